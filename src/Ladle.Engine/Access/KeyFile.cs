using System.Security.Cryptography;

namespace Ladle.Engine.Access;

/// <summary>A 256-bit secret kept in a file of the state directory, readable by its owner only, made on first use.</summary>
internal static class KeyFile
{
    /// <summary>The key at <paramref name="path"/> (hex), or a new one written there; a file cut short is refused, saying <paramref name="remedy"/>.</summary>
    public static string ReadOrCreate(string path, string what, string remedy)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            // An empty key would be one anyone knows; never serve with it.
            if (existing.Length < 32)
                throw new Core.Errors.InvalidRequestException($"the {what} {path} is empty or cut short; {remedy}");
            return existing;
        }
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        // Written whole or not at all: a full disk must not leave an empty key that later loads would use.
        var partial = path + ".tmp";
        try
        {
            using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                file.Write(System.Text.Encoding.ASCII.GetBytes(key));
                file.Flush(flushToDisk: true);
            }
            File.Move(partial, path, overwrite: false);
        }
        catch (IOException e) when (State.StorageErrors.Translate(e, path) is { } full)
        {
            File.Delete(partial);
            throw full;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process made it first: theirs is the key.
            File.Delete(partial);
            return ReadOrCreate(path, what, remedy);
        }
        return key;
    }
}
