namespace MetalCore.Cli;

/// <summary>
/// The built-in demo model (assets/demo-model/metalcore-demo.gguf, a small story model this
/// project trained), used when a command is given no model: first the copy the build places
/// beside the CLI, then the repository's assets folder above the CLI or the current directory
/// (a `dotnet run` from a clone).
/// </summary>
internal static class DemoModel
{
    private const string Folder = "demo-model";
    private const string FileName = "metalcore-demo.gguf";

    public static string? Locate()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, Folder, FileName);
        if (File.Exists(beside))
        {
            return beside;
        }
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "assets", Folder, FileName);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    /// <summary>The demo model, or an error saying where it was looked for.</summary>
    public static string Require() => Locate() ?? throw new FileNotFoundException(
        $"No --model given, and the built-in demo model was not found (looked for {Folder}/{FileName} beside the CLI in "
        + $"'{AppContext.BaseDirectory}' and for assets/{Folder}/{FileName} above it and above the current directory): pass -m MODEL.");
}
