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
        if (File.Exists(path)) return File.ReadAllText(path).Trim();
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        File.WriteAllText(path, key);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return key;
    }
}
