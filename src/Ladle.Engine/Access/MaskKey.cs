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
        return KeyFile.ReadOrCreate(Path.Combine(stateDirectory, "mask.key"), "mask key",
            $"set {Variable}, or delete the file to generate a new key (hashed values then change)");
    }
}
