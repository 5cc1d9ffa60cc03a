using MetalCore.Bindings;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.Bindings;

/// <summary>The repository's real bindings configuration and the files it names.</summary>
internal static class MetalCoreBindings
{
    public static BindingsOptions Options =>
        BindingsOptions.Load(Path.Combine(Fixtures.RepositoryRoot, "bindings", "metal_core.rsp"));

    /// <summary>The committed generated file.</summary>
    public static string CommittedSource => File.ReadAllText(Options.Output);
}
