using System.Buffers.Binary;
using System.Text;

namespace Ladle.Protocol.Postgres.Tests.Support;

/// <summary>
/// The test side's own client: builds front-end frames byte by byte (independently of the codec) and remembers where
/// every length and count field is, so the fuzz test can lie in each of them.
/// </summary>
internal sealed class TestFrontendWriter
{
    private readonly List<byte> _bytes = [];
    private readonly List<(int Offset, int Size)> _lengthFields = [];
    private int _frameStart = -1;

    public IReadOnlyList<(int Offset, int Size)> LengthFields => _lengthFields;

    public byte[] ToArray() => [.. _bytes];

    public TestFrontendWriter Query(string sql) => Typed('Q', () => CString(sql));

    public TestFrontendWriter Parse(string name, string sql, params uint[] oids) => Typed('P', () =>
    {
        CString(name);
        CString(sql);
        Count16(oids.Length);
        foreach (var oid in oids)
        {
            Int32((int)oid);
        }
    });

    public TestFrontendWriter Bind(string portal, string statement, short[] parameterFormats, byte[]?[] values, short[] resultFormats) => Typed('B', () =>
    {
        CString(portal);
        CString(statement);
        Count16(parameterFormats.Length);
        foreach (var f in parameterFormats)
        {
            Int16(f);
        }

        Count16(values.Length);
        foreach (var v in values)
        {
            Length32(v?.Length ?? -1);
            if (v is not null)
            {
                _bytes.AddRange(v);
            }
        }

        Count16(resultFormats.Length);
        foreach (var f in resultFormats)
        {
            Int16(f);
        }
    });

    public TestFrontendWriter Describe(char target, string name) => Typed('D', () =>
    {
        _bytes.Add((byte)target);
        CString(name);
    });

    public TestFrontendWriter Close(char target, string name) => Typed('C', () =>
    {
        _bytes.Add((byte)target);
        CString(name);
    });

    public TestFrontendWriter Execute(string portal, int maxRows) => Typed('E', () =>
    {
        CString(portal);
        Int32(maxRows);
    });

    public TestFrontendWriter Empty(char type) => Typed(type, () => { });

    public TestFrontendWriter Password(string password) => Typed('p', () => CString(password));

    public TestFrontendWriter SaslInitial(string mechanism, byte[]? data) => Typed('p', () =>
    {
        CString(mechanism);
        Length32(data?.Length ?? -1);
        if (data is not null)
        {
            _bytes.AddRange(data);
        }
    });

    public TestFrontendWriter Raw(char type, byte[] body) => Typed(type, () => _bytes.AddRange(body));

    public TestFrontendWriter CopyFail(string reason) => Typed('f', () => CString(reason));

    public TestFrontendWriter Startup(int major, int minor, params (string Name, string Value)[] parameters) => Untyped(() =>
    {
        Int32((major << 16) | minor);
        foreach (var (name, value) in parameters)
        {
            CString(name);
            CString(value);
        }

        _bytes.Add(0);
    });

    public TestFrontendWriter Request(int code) => Untyped(() => Int32(code));

    public TestFrontendWriter Cancel(int processId, int secretKey) => Untyped(() =>
    {
        Int32(80877102);
        Int32(processId);
        Int32(secretKey);
    });

    private TestFrontendWriter Typed(char type, Action body)
    {
        _bytes.Add((byte)type);
        return Untyped(body);
    }

    private TestFrontendWriter Untyped(Action body)
    {
        _frameStart = _bytes.Count;
        _lengthFields.Add((_frameStart, 4));
        Int32(0);
        body();
        var length = _bytes.Count - _frameStart;
        Span<byte> span = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        for (var i = 0; i < 4; i++)
        {
            _bytes[_frameStart + i] = span[i];
        }

        return this;
    }

    private void CString(string value)
    {
        _bytes.AddRange(Encoding.UTF8.GetBytes(value));
        _bytes.Add(0);
    }

    private void Count16(int value)
    {
        _lengthFields.Add((_bytes.Count, 2));
        Int16((short)value);
    }

    private void Length32(int value)
    {
        _lengthFields.Add((_bytes.Count, 4));
        Int32(value);
    }

    private void Int16(short value)
    {
        Span<byte> span = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(span, value);
        _bytes.AddRange(span);
    }

    private void Int32(int value)
    {
        Span<byte> span = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(span, value);
        _bytes.AddRange(span);
    }
}
