using MetalCore.Interop;
using MetalCore.Runtime;

namespace MetalCore.Tests.Interop;

/// <summary>The managed/native version check that runs before the first context is created.</summary>
[TestFixture]
public class NativeLibraryVersionTests
{
    [Test]
    public void TheLibraryThisBuildLoadsSpeaksItsAbi()
    {
        Assert.DoesNotThrow(NativeLibraryVersion.EnsureCompatible);
        Assert.That(NativeLibraryVersion.NativeVersion, Is.Not.Empty);
        Assert.That(NativeLibraryLoader.LoadedPath, Is.Not.Null.And.Matches<string>(File.Exists),
            "the loader remembers which file it loaded");
    }

    [Test]
    public void TheSameAbiVersionIsNoMismatch()
    {
        Assert.That(NativeLibraryVersion.Mismatch(NativeConstants.AbiVersion, "x", "/a/libmetal_core.so"), Is.Null);
    }

    [Test]
    public void AnotherAbiVersionNamesBothVersionsTheFileAndTheFix()
    {
        var error = NativeLibraryVersion.Mismatch(NativeConstants.AbiVersion + 1, "metal_core 9.9.9", "/app/libmetal_core.so");

        Assert.That(error, Is.Not.Null);
        Assert.That(error!.Message, Does.Contain($"ABI version {NativeConstants.AbiVersion + 1} (metal_core 9.9.9)")
            .And.Contain($"built for ABI version {NativeConstants.AbiVersion}")
            .And.Contain("loaded from '/app/libmetal_core.so'")
            .And.Contain($"MetalCore.Runtime.{NativeLibraryLoader.RuntimeIdentifier}")
            .And.Contain(typeof(LanguageModel).Assembly.GetName().Version!.ToString()));
    }
}
