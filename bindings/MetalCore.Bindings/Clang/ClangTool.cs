using System.Diagnostics;

namespace MetalCore.Bindings.Clang;

/// <summary>Locates the clang executable and runs it.</summary>
internal static class ClangTool
{
    /// <summary>The environment variable that names the clang executable to use.</summary>
    public const string EnvironmentVariable = "METALCORE_CLANG";

    // Unversioned first (the distribution's default), then the versions Debian offers.
    private static readonly string[] s_candidates = ["clang", "clang-19", "clang-16", "clang-14"];

    /// <summary>
    /// The clang to use: <paramref name="explicitPath"/> (the --clang option) when given, else
    /// METALCORE_CLANG, else the first of clang, clang-19, clang-16, clang-14 on PATH; null when
    /// none was asked for and none is on PATH. A clang that was asked for but does not exist is
    /// an error, not a reason to skip anything.
    /// </summary>
    public static string? TryFind(string? explicitPath = null)
    {
        var requested = explicitPath ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(requested))
        {
            return s_candidates.Select(FindOnPath).FirstOrDefault(path => path != null);
        }
        return (File.Exists(requested) ? Path.GetFullPath(requested) : FindOnPath(requested))
            ?? throw new BindingsException($"clang '{requested}' (from --clang or {EnvironmentVariable}) was not found.");
    }

    /// <summary>Like <see cref="TryFind"/>, but a missing clang is an error that says how to fix it.</summary>
    public static string Find(string? explicitPath = null) =>
        TryFind(explicitPath) ?? throw new BindingsException(
            $"No clang found on PATH (looked for {string.Join(", ", s_candidates)}). Install clang "
            + $"(Debian/Ubuntu: apt-get install clang), or name one with --clang <path> or {EnvironmentVariable}.");

    /// <summary>Runs clang and returns its standard output; a non-zero exit is an error carrying clang's messages.</summary>
    public static string Run(string clang, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(clang)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var process = Process.Start(startInfo)
            ?? throw new BindingsException($"Could not start '{clang}'.");
        // Both streams are drained concurrently: a full stderr pipe would otherwise block clang.
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new BindingsException(
                $"'{clang} {string.Join(' ', arguments)}' failed (exit code {process.ExitCode}):\n{error.Result}");
        }
        return output;
    }

    private static string? FindOnPath(string name)
    {
        var fileNames = OperatingSystem.IsWindows() ? [name, name + ".exe"] : new[] { name };
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return directories
            .SelectMany(directory => fileNames.Select(fileName => Path.Combine(directory, fileName)))
            .FirstOrDefault(File.Exists);
    }
}
