using MetalCore.Bindings.Clang;

namespace MetalCore.Tests.Bindings;

/// <summary>
/// The clang the bindings tests run. Where none is installed the calling test is ignored with
/// a message saying so; CI installs clang, so there these tests always run.
/// </summary>
internal static class RequiredClang
{
    public static string Path() =>
        ClangTool.TryFind() ?? IgnoreTest();

    private static string IgnoreTest()
    {
        Assert.Ignore($"No clang executable found (clang, clang-19, clang-16 or clang-14 on PATH, or {ClangTool.EnvironmentVariable}): "
            + "the bindings generator needs clang to read the header. Install clang (apt-get install clang) to run this test.");
        return "";
    }
}
