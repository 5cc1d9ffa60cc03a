namespace MetalCore.Tests.Infrastructure;

/// <summary>
/// Locates the repository and the shared test fixtures (<c>../shared/fixtures</c> beside the
/// repository). Tests that need a fixture call <see cref="Require"/>, which marks the test as
/// ignored, with the path it looked for, when the fixtures folder is absent (a user's clone).
/// </summary>
public static class Fixtures
{
    private static readonly Lazy<string> s_repositoryRoot = new(FindRepositoryRoot);

    /// <summary>The folder holding Interop.sln.</summary>
    public static string RepositoryRoot => s_repositoryRoot.Value;

    /// <summary>The shared fixtures folder, whether or not it exists.</summary>
    public static string Root =>
        Environment.GetEnvironmentVariable("METALCORE_FIXTURES")
        ?? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "fixtures"));

    /// <summary>True when the shared fixtures folder is present.</summary>
    public static bool Available => Directory.Exists(Root);

    /// <summary>
    /// The full path of a fixture file (relative to the fixtures folder); ignores the calling
    /// test with a clear message when the fixture is missing.
    /// </summary>
    public static string Require(string relativePath)
    {
        var path = Path.Combine(Root, relativePath);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            Assert.Ignore($"Fixture '{relativePath}' not found at '{path}': the shared fixtures folder "
                + "(../shared/fixtures beside the repository, or METALCORE_FIXTURES) is not present in this clone.");
        }
        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Interop.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException(
            $"Interop.sln not found above '{AppContext.BaseDirectory}': tests must run from a build inside the repository.");
    }
}
