using System.Security.Cryptography;

namespace Ladle.Engine.Access;

/// <summary>
/// The key of keyed-hash masks: LADLE_MASK_KEY when set, else one generated once per project and kept beside the
/// state (owner-only), so hashed columns stay joinable across restarts without ever being reversible by a reader.
/// </summary>
public static class MaskKey
{
    public const string Variable = "LADLE_MASK_KEY";

    public static string Load(string stateDirectory)
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } fromEnvironment) return fromEnvironment;
        Directory.CreateDirectory(stateDirectory);
        var path = Path.Combine(stateDirectory, "mask.key");
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            // An empty key would hash every masked value with a key anyone knows; never serve with it.
            if (existing.Length < 32)
                throw new Core.Errors.InvalidRequestException(
                    $"the mask key {path} is empty or cut short; set {Variable}, or delete the file to generate a new key (hashed values then change)");
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
        return key;
    }
}
