namespace MetalCore.Tests.Infrastructure;

/// <summary>
/// Runs the CLI on <c>libmetal_core_emulated.so</c>: libmetal_core whose Metal backend is the
/// real Objective-C host code (src/metal/*.m) and .metal kernels, executed on Linux through the
/// Metal API shim on the kernel emulator (docs/METAL.md). The Native target of build.cake builds
/// it on Linux (native/metal_core/cmake/metal-emulation.cmake); a process loads one native
/// library, so the CLI runs as a child process with <c>METALCORE_NATIVE_LIBRARY</c> naming it.
/// Every member ignores the calling test where that library was not built (macOS, Windows).
/// </summary>
public static class EmulatedMetal
{
    /// <summary>Where the Native target's build tree puts the library.</summary>
    public static string LibraryPath =>
        Path.Combine(Fixtures.RepositoryRoot, "artifacts", "native", "release", "metal-emulated", "libmetal_core_emulated.so");

    /// <summary>
    /// Runs <c>metalcore</c> with <paramref name="arguments"/> on the emulated library (plus
    /// <paramref name="environment"/>); a failure fails the test with what the CLI printed.
    /// </summary>
    public static ProcessResult RunCli(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var library = LibraryPath;
        if (!File.Exists(library))
        {
            Assert.Ignore($"The emulated Metal library '{library}' is not built: it is built on Linux by "
                + "`dotnet cake --target=Native` (with GNUstep and clang, as .ci/run installs them).");
        }
        var cli = CliPath();
        Assert.That(File.Exists(cli), Is.True, $"The CLI '{cli}' is not built (the test project references it, so building the tests builds it).");
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["METALCORE_NATIVE_LIBRARY"] = library,
        };
        return ChildProcess.Run("dotnet", [cli, .. arguments], Fixtures.RepositoryRoot, TimeSpan.FromMinutes(5), variables);
    }

    // The CLI's build output in the same configuration and framework as this test assembly:
    // tests/MetalCore.Tests/bin/<configuration>/<framework>/ → src/Managed/MetalCore.Cli/bin/...
    private static string CliPath()
    {
        var root = Fixtures.RepositoryRoot;
        var output = Path.GetRelativePath(Path.Combine(root, "tests", "MetalCore.Tests"), AppContext.BaseDirectory);
        return Path.Combine(root, "src", "Managed", "MetalCore.Cli", output, "MetalCore.Cli.dll");
    }
}
