using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Ladle.Engine.Tests.Architecture;

/// <summary>
/// The engine's namespaces form a graph without cycles, so each part can be understood (and replaced) from what
/// it depends on. The graph is read from the compiled Ladle.Engine.dll with System.Reflection.Metadata, not from
/// source text: for every type defined in the assembly (nested and compiler-generated types — closures, async
/// state machines, source-generated loggers — count for the namespace of their outermost declaring type), every
/// type it mentions in its base type, interfaces, generic constraints, fields, method and property signatures,
/// local variables, and every type, method, field or signature token its method bodies' IL refers to (decoded
/// opcode by opcode), becomes an edge from its namespace to the namespace of the type mentioned. Only types
/// defined in Ladle.Engine count; a cycle (Tarjan's strongly connected components) fails the test and is printed
/// with one type reference per edge, so the reference to move is named.
/// </summary>
public sealed class NamespaceCycleTests
{
    [Fact]
    public void Engine_namespaces_have_no_dependency_cycle()
    {
        var graph = NamespaceGraph.Read(typeof(LadleEngine).Assembly.Location, "Ladle.Engine");
        Assert.True(graph.Namespaces.Count > 10, $"the graph found only {graph.Namespaces.Count} namespaces: the reader is broken");
        Assert.Contains(("Ladle.Engine.Serving", "Ladle.Engine.Results"), graph.Edges.Keys);

        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, "namespace cycles in Ladle.Engine:\n" + string.Join("\n\n", cycles.Select(graph.Describe)));
    }

    [Fact]
    public void The_graph_reader_sees_references_made_only_inside_method_bodies()
    {
        // LadleEngine news up its parts in its constructor: an edge seen only through IL.
        var graph = NamespaceGraph.Read(typeof(LadleEngine).Assembly.Location, "Ladle.Engine");
        Assert.Contains(("Ladle.Engine", "Ladle.Engine.Sources"), graph.Edges.Keys);
        Assert.Contains(graph.Edges[("Ladle.Engine", "Ladle.Engine.Sources")], e => e.Contains("FilesConnector", StringComparison.Ordinal));
    }

    [Fact]
    public void No_part_outside_the_engine_root_takes_the_engine_in_a_constructor()
    {
        // The engine composes its parts and hands each what it uses; a part that took the engine back would make it
        // the hub every part reaches through again.
        var assembly = typeof(LadleEngine).Assembly;
        var offenders = assembly.GetTypes()
            .Where(t => t.Namespace is { } ns && ns.StartsWith("Ladle.Engine.", StringComparison.Ordinal))
            .SelectMany(t => t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                .Where(c => c.GetParameters().Any(p => p.ParameterType == typeof(LadleEngine)))
                .Select(c => $"{t.FullName}({string.Join(", ", c.GetParameters().Select(p => p.ParameterType.Name))})"))
            .ToList();
        Assert.True(offenders.Count == 0, "constructors that take LadleEngine:\n" + string.Join("\n", offenders));
        Assert.Contains(assembly.GetTypes(), t => t.Namespace == "Ladle.Engine.Serving" && t.GetConstructors().Length > 0);
    }

    private sealed class NamespaceGraph
    {
        /// <summary>Edge (from, to) with examples "Type → Type" that make it.</summary>
        public Dictionary<(string From, string To), SortedSet<string>> Edges { get; } = [];
        public SortedSet<string> Namespaces { get; } = new(StringComparer.Ordinal);

        public static NamespaceGraph Read(string path, string root)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            var md = pe.GetMetadataReader();
            var graph = new NamespaceGraph();
            var provider = new TypeNames(md);
            var opcodes = OpCodeTable();
            foreach (var handle in md.TypeDefinitions)
            {
                var (ns, name) = provider.Outermost(handle);
                if (!InRoot(ns, root)) continue;
                graph.Namespaces.Add(ns);
                var mentioned = new List<TypeDefinitionHandle>();
                var type = md.GetTypeDefinition(handle);
                provider.Collect(type.BaseType, mentioned);
                foreach (var i in type.GetInterfaceImplementations()) provider.Collect(md.GetInterfaceImplementation(i).Interface, mentioned);
                foreach (var g in type.GetGenericParameters())
                    foreach (var c in md.GetGenericParameter(g).GetConstraints()) provider.Collect(md.GetGenericParameterConstraint(c).Type, mentioned);
                foreach (var f in type.GetFields()) mentioned.AddRange(md.GetFieldDefinition(f).DecodeSignature(provider, null));
                foreach (var p in type.GetProperties())
                {
                    var signature = md.GetPropertyDefinition(p).DecodeSignature(provider, null);
                    mentioned.AddRange(signature.ReturnType);
                    foreach (var parameter in signature.ParameterTypes) mentioned.AddRange(parameter);
                }
                foreach (var m in type.GetMethods())
                {
                    var method = md.GetMethodDefinition(m);
                    var signature = method.DecodeSignature(provider, null);
                    mentioned.AddRange(signature.ReturnType);
                    foreach (var parameter in signature.ParameterTypes) mentioned.AddRange(parameter);
                    if (method.RelativeVirtualAddress == 0) continue;
                    var body = pe.GetMethodBody(method.RelativeVirtualAddress);
                    if (!body.LocalSignature.IsNil)
                        foreach (var local in md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(provider, null))
                            mentioned.AddRange(local);
                    foreach (var token in IlTokens(body.GetILBytes()!, opcodes)) provider.CollectToken(token, mentioned);
                }
                foreach (var target in mentioned.Distinct())
                {
                    var (targetNs, targetName) = provider.Outermost(target);
                    if (!InRoot(targetNs, root) || targetNs == ns) continue;
                    if (!graph.Edges.TryGetValue((ns, targetNs), out var examples)) graph.Edges[(ns, targetNs)] = examples = new(StringComparer.Ordinal);
                    examples.Add($"{name} → {targetName}");
                }
            }
            return graph;
        }

        private static bool InRoot(string ns, string root) =>
            ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal);

        /// <summary>Strongly connected components of more than one namespace (Tarjan).</summary>
        public List<List<string>> Cycles()
        {
            var index = new Dictionary<string, int>();
            var low = new Dictionary<string, int>();
            var stack = new Stack<string>();
            var onStack = new HashSet<string>();
            var result = new List<List<string>>();
            var next = 0;
            var successors = Edges.Keys.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).Order(StringComparer.Ordinal).ToList());

            void Visit(string v)
            {
                index[v] = low[v] = next++;
                stack.Push(v);
                onStack.Add(v);
                foreach (var w in successors.GetValueOrDefault(v) ?? [])
                {
                    if (!index.ContainsKey(w))
                    {
                        Visit(w);
                        low[v] = Math.Min(low[v], low[w]);
                    }
                    else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
                }
                if (low[v] != index[v]) return;
                var component = new List<string>();
                string x;
                do
                {
                    x = stack.Pop();
                    onStack.Remove(x);
                    component.Add(x);
                } while (x != v);
                if (component.Count > 1) result.Add(component.Order(StringComparer.Ordinal).ToList());
            }

            foreach (var ns in Namespaces)
                if (!index.ContainsKey(ns)) Visit(ns);
            return result;
        }

        /// <summary>The edges inside one cycle, each with up to three of the type references that make it.</summary>
        public string Describe(List<string> component)
        {
            var members = component.ToHashSet();
            return "cycle: " + string.Join(", ", component) + "\n" + string.Join("\n", Edges
                .Where(e => members.Contains(e.Key.From) && members.Contains(e.Key.To))
                .OrderBy(e => e.Key.From, StringComparer.Ordinal).ThenBy(e => e.Key.To, StringComparer.Ordinal)
                .Select(e => $"  {e.Key.From} → {e.Key.To}: {string.Join("; ", e.Value.Take(3))}{(e.Value.Count > 3 ? $" (+{e.Value.Count - 3})" : "")}"));
        }

        private static Dictionary<short, OperandType> OpCodeTable() =>
            typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => (OpCode)f.GetValue(null)!)
                .ToDictionary(o => o.Value, o => o.OperandType);

        /// <summary>The metadata tokens an IL body refers to, read opcode by opcode.</summary>
        private static IEnumerable<int> IlTokens(byte[] il, Dictionary<short, OperandType> opcodes)
        {
            var i = 0;
            while (i < il.Length)
            {
                short code = il[i++];
                if (code == 0xFE) code = (short)(0xFE00 | il[i++]);
                var operand = opcodes[code];
                switch (operand)
                {
                    case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok or OperandType.InlineSig:
                        yield return BitConverter.ToInt32(il, i);
                        i += 4;
                        break;
                    case OperandType.InlineSwitch:
                        var count = BitConverter.ToInt32(il, i);
                        i += 4 + (4 * count);
                        break;
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        i += 1;
                        break;
                    case OperandType.InlineVar:
                        i += 2;
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        i += 8;
                        break;
                    default:
                        i += 4;
                        break;
                }
            }
        }
    }

    /// <summary>Decodes signatures into the types defined in the assembly that they mention.</summary>
    private sealed class TypeNames(MetadataReader md) : ISignatureTypeProvider<ImmutableArray<TypeDefinitionHandle>, object?>
    {
        public (string Namespace, string Name) Outermost(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            var name = md.GetString(type.Name);
            while (type.GetDeclaringType() is { IsNil: false } declaring)
            {
                type = md.GetTypeDefinition(declaring);
                name = md.GetString(type.Name) + "." + name;
            }
            return (md.GetString(type.Namespace), name);
        }

        public void Collect(EntityHandle handle, List<TypeDefinitionHandle> into)
        {
            if (handle.IsNil) return;
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    into.Add((TypeDefinitionHandle)handle);
                    break;
                case HandleKind.TypeSpecification:
                    into.AddRange(md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null));
                    break;
            }
        }

        public void CollectToken(int token, List<TypeDefinitionHandle> into)
        {
            var handle = MetadataTokens.EntityHandle(token);
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition or HandleKind.TypeSpecification:
                    Collect(handle, into);
                    break;
                case HandleKind.MethodDefinition:
                    var method = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                    into.Add(method.GetDeclaringType());
                    var signature = method.DecodeSignature(this, null);
                    into.AddRange(signature.ReturnType);
                    foreach (var p in signature.ParameterTypes) into.AddRange(p);
                    break;
                case HandleKind.FieldDefinition:
                    var field = md.GetFieldDefinition((FieldDefinitionHandle)handle);
                    into.Add(field.GetDeclaringType());
                    into.AddRange(field.DecodeSignature(this, null));
                    break;
                case HandleKind.MemberReference:
                    var member = md.GetMemberReference((MemberReferenceHandle)handle);
                    Collect(member.Parent, into);
                    if (member.GetKind() == MemberReferenceKind.Method)
                    {
                        var ms = member.DecodeMethodSignature(this, null);
                        into.AddRange(ms.ReturnType);
                        foreach (var p in ms.ParameterTypes) into.AddRange(p);
                    }
                    else into.AddRange(member.DecodeFieldSignature(this, null));
                    break;
                case HandleKind.MethodSpecification:
                    var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    CollectToken(MetadataTokens.GetToken(spec.Method), into);
                    foreach (var a in spec.DecodeSignature(this, null)) into.AddRange(a);
                    break;
                case HandleKind.StandaloneSignature:
                    var standalone = md.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                    if (standalone.GetKind() == StandaloneSignatureKind.Method)
                    {
                        var ss = standalone.DecodeMethodSignature(this, null);
                        into.AddRange(ss.ReturnType);
                        foreach (var p in ss.ParameterTypes) into.AddRange(p);
                    }
                    break;
            }
        }

        private static readonly ImmutableArray<TypeDefinitionHandle> None = [];

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];
        public ImmutableArray<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => None;
        public ImmutableArray<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        public ImmutableArray<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;
        public ImmutableArray<TypeDefinitionHandle> GetSZArrayType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetArrayType(ImmutableArray<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetByReferenceType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetPointerType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetPinnedType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableArray<TypeDefinitionHandle> GetGenericInstantiation(ImmutableArray<TypeDefinitionHandle> genericType, ImmutableArray<ImmutableArray<TypeDefinitionHandle>> typeArguments) =>
            [.. genericType, .. typeArguments.SelectMany(a => a)];
        public ImmutableArray<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => None;
        public ImmutableArray<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => None;
        public ImmutableArray<TypeDefinitionHandle> GetModifiedType(ImmutableArray<TypeDefinitionHandle> modifier, ImmutableArray<TypeDefinitionHandle> unmodifiedType, bool isRequired) => unmodifiedType;
        public ImmutableArray<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature) =>
            [.. signature.ReturnType, .. signature.ParameterTypes.SelectMany(p => p)];
    }
}
