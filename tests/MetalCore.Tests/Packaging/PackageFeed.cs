using System.Reflection;
using System.Text.RegularExpressions;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.Packaging;

/// <summary>
/// The packages the Pack target of build.cake wrote to artifacts/packages, and a NuGet
/// configuration that takes MetalCore* from there only (never from nuget.org, where another
/// package could bear the name) and everything else from nuget.org.
/// </summary>
internal static partial class PackageFeed
{
    public static string Directory => Path.Combine(Fixtures.RepositoryRoot, "artifacts", "packages");

    /// <summary>The version of the MetalCore package there, which must be this build's; ignores (or,
    /// in CI, fails) the test when the packages were not built.</summary>
    public static string RequireVersion()
    {
        var versions = System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.GetFiles(Directory, "MetalCore.*.nupkg")
                .Select(path => LibraryPackage().Match(Path.GetFileName(path)))
                .Where(match => match.Success)
                .Select(match => match.Groups[1].Value)
                .ToList()
            : [];
        if (versions.Count == 0)
        {
            var message = $"No MetalCore package in '{Directory}': run `dotnet cake --target=Pack` first (the Test target does).";
            if (Environment.GetEnvironmentVariable("CI") is "true" or "1")
            {
                Assert.Fail(message);
            }
            Assert.Ignore(message);
        }
        var expected = typeof(LanguageModel).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!
            .InformationalVersion.Split('+')[0];
        Assert.That(versions, Is.EqualTo(new[] { expected }), $"'{Directory}' should hold exactly this build's MetalCore package");
        return expected;
    }

    /// <summary>Writes nuget.config into <paramref name="folder"/>: this repository's packages for
    /// MetalCore*, nuget.org for the rest, and a packages folder of its own so that a package rebuilt
    /// with the same version is never taken from a cache.</summary>
    public static void WriteConfig(string folder)
    {
        var userPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        // The user's packages serve the dependencies without a download, unless a MetalCore
        // package ever landed there (it would shadow the one under test).
        var fallback = System.IO.Directory.Exists(userPackages)
            && !System.IO.Directory.EnumerateDirectories(userPackages, "metalcore*").Any()
                ? $"""<fallbackPackageFolders><clear /><add key="user" value="{userPackages}" /></fallbackPackageFolders>"""
                : "";
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(folder, "packages")}" /></config>
              <packageSources>
                <clear />
                <add key="metalcore-local" value="{Directory}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="metalcore-local"><package pattern="MetalCore" /><package pattern="MetalCore.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
              {fallback}
            </configuration>
            """);
    }

    [GeneratedRegex(@"^MetalCore\.(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\.nupkg$")]
    private static partial Regex LibraryPackage();
}
