namespace MetalCore.Tuning;

/// <summary>
/// Where MetalCore keeps what it measured on this machine (the tuning table autotune writes,
/// the backend calibration cache): $METALCORE_HOME, else the user's local application data
/// folder (~/.local/share/metalcore on Linux).
/// </summary>
internal static class LocalData
{
    /// <summary>The folder (not created until something is written).</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("METALCORE_HOME") is { Length: > 0 } home
            ? home
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "metalcore");

    /// <summary>Writes a file atomically (a temporary file renamed over it), creating its folder.</summary>
    internal static void WriteAtomically(string path, string text)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        System.IO.Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
