using System.Reflection;
using System.Runtime.ExceptionServices;
using Ladle.Engine.State;

namespace Ladle.Engine.Tests;

/// <summary>
/// Fault injection over a real state store: every call goes to the store, except those <see cref="Fault"/> answers
/// (by method name) with a task of its own: an exception, or a wait. Not a mock: what is not faulted is the real thing.
/// </summary>
public class FaultyStateStore : DispatchProxy
{
    private IStateStore _inner = null!;

    /// <summary>Given a call's method name and arguments, returns a replacement result, or null to let the real store answer it.</summary>
    public Func<string, object?[], Task?> Fault { get; set; } = (_, _) => null;

    public static (IStateStore Store, FaultyStateStore Faults) Wrap(IStateStore inner)
    {
        var store = Create<IStateStore, FaultyStateStore>();
        var faults = (FaultyStateStore)(object)store;
        faults._inner = inner;
        return (store, faults);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (Fault(targetMethod!.Name, args ?? []) is { } replaced) return replaced;
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}
