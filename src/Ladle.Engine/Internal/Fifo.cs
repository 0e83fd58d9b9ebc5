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

    /// <summary>
    /// Asks Linux for a larger pipe buffer (1 MiB instead of 64 KiB), so the writer and the reader switch far less
    /// often; where that is not possible the pipe simply keeps its size.
    /// </summary>
    public static void Enlarge(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux()) return;
        const int setPipeSize = 1031; // F_SETPIPE_SZ
        _ = Fcntl((int)handle.DangerousGetHandle(), setPipeSize, 1 << 20);
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, uint mode);
}
