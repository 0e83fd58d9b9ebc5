using System.Diagnostics;

namespace Ladle.Cli.Tests;

/// <summary>
/// A real, small filesystem (tmpfs) mounted on a folder, that a test fills to the last byte and frees again: how a
/// full disk looks to SQLite, DuckDB and .NET, with no fakes. Needs root (the test processes run as root here).
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private readonly string _filler;

    public SmallDisk(string folder, int megabytes)
    {
        Folder = folder;
        Directory.CreateDirectory(folder);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", folder);
        if (code != 0)
            Assert.Fail($"these tests need a real small filesystem: 'mount -t tmpfs' on {folder} failed ({output.Trim()}); run them as root " +
                        "(or in a container with CAP_SYS_ADMIN)");
        _filler = Path.Combine(folder, "filler");
    }

    public string Folder { get; }

    /// <summary>Fills the disk, leaving about <paramref name="leaveBytes"/> free.</summary>
    public void Fill(long leaveBytes = 0)
    {
        var free = new DriveInfo(Folder).AvailableFreeSpace;
        using var file = new FileStream(_filler, FileMode.Append, FileAccess.Write);
        var chunk = new byte[64 * 1024];
        var toWrite = Math.Max(0, free - leaveBytes);
        try
        {
            while (toWrite > 0)
            {
                var n = (int)Math.Min(chunk.Length, toWrite);
                file.Write(chunk, 0, n);
                toWrite -= n;
            }
            file.Flush();
        }
        catch (IOException) when (leaveBytes == 0) { /* full: what we wanted */ }
        if (leaveBytes == 0)
        {
            // Squeeze out the last partial pages too.
            try { file.Write(chunk, 0, chunk.Length); file.Flush(); } catch (IOException) { }
        }
    }

    /// <summary>Deletes the filler: the disk has room again.</summary>
    public void Free() => File.Delete(_filler);

    private static (int Code, string Output) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    public void Dispose()
    {
        // Lazy unmount: a killed server's files may still be open for a moment.
        Run("umount", "-l", Folder);
    }
}
