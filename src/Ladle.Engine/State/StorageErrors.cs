using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;

namespace Ladle.Engine.State;

/// <summary>
/// Recognizes "the disk is full" in the errors of SQLite, DuckDB and .NET's file I/O, which each say it their own
/// way (SQLITE_FULL, a DuckDB IO Error quoting ENOSPC, an IOException carrying errno 28), so that every such error
/// becomes one <see cref="StorageFullException"/> naming the file.
/// </summary>
public static class StorageErrors
{
    private const int SqliteFull = 13;
    private const int SqliteIoError = 10;
    private const int NoSpace = 28; // ENOSPC on Linux and macOS
    private const string NoSpaceText = "No space left on device";

    /// <summary>
    /// The disk-full error <paramref name="error"/> means for <paramref name="file"/>, or null when it is another
    /// error. An already translated error is returned as it is.
    /// </summary>
    public static StorageFullException? Translate(Exception error, string file)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StorageFullException full:
                    return full;
                case SqliteException { SqliteErrorCode: SqliteFull } sqlite:
                    return new StorageFullException(file, sqlite.Message.TrimEnd('.'), error);
                // SQLite reports a write that failed on a full disk as a plain I/O error when it happens outside the
                // database pages (the WAL index, say); only the free space tells the two apart.
                case SqliteException { SqliteErrorCode: SqliteIoError } io when NoSpaceLeft(file):
                    return new StorageFullException(file, io.Message.TrimEnd('.'), error);
                case DuckDBException duck when duck.Message.Contains(NoSpaceText, StringComparison.OrdinalIgnoreCase)
                                               || (duck.Message.StartsWith("IO Error", StringComparison.OrdinalIgnoreCase) && NoSpaceLeft(file)):
                    return new StorageFullException(file, $"DuckDB: {FirstLine(duck.Message)}", error);
                case Npgsql.PostgresException { SqlState: "53100" } pg:
                    return new StorageFullException(file, $"PostgreSQL: {pg.MessageText}", error);
                case IOException io when io.HResult == NoSpace || io.Message.Contains(NoSpaceText, StringComparison.OrdinalIgnoreCase):
                    return new StorageFullException(file, FirstLine(io.Message), error);
            }
        }
        return null;
    }

    /// <summary>True when the disk holding <paramref name="file"/> has (almost) no space left for this process.</summary>
    public static bool NoSpaceLeft(string file)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(file)) ?? file;
            // Less than one SQLite or DuckDB block is as good as none.
            return new DriveInfo(directory).AvailableFreeSpace < 256 * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim().TrimEnd('.');
    }
}
