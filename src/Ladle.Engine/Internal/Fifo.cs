using System.Runtime.InteropServices;

namespace Ladle.Engine.Internal;

/// <summary>Named pipes (POSIX FIFOs): how DuckDB's own writers stream into a response without a temp file.</summary>
internal static partial class Fifo
{
    public static bool Supported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    /// <summary>Creates a FIFO only this user can open.</summary>
    public static void Create(string path)
    {
        if (MakeFifo(path, 0b110_000_000) != 0)
            throw new IOException($"could not create the pipe {path} (errno {Marshal.GetLastPInvokeError()})");
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, uint mode);
}
