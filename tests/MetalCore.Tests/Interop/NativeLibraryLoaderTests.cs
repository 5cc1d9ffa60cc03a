using MetalCore.Interop;

namespace MetalCore.Tests.Interop;

[TestFixture]
public class NativeLibraryLoaderTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() =>
        _directory = Directory.CreateTempSubdirectory("metalcore-loader-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void AMissingLibrarySaysWhichFileWhereItLookedAndHowToFixIt()
    {
        var candidates = NativeLibraryLoader.CandidatePaths([_directory]);
        var handle = NativeLibraryLoader.Load(candidates, out var failures);
        var message = NativeLibraryLoader.Explain(failures);

        Assert.That(handle, Is.EqualTo(IntPtr.Zero));
        Assert.That(message, Does.Contain(NativeLibraryLoader.PlatformFileName));
        Assert.That(message, Does.Contain(NativeLibraryLoader.RuntimeIdentifier));
        foreach (var path in candidates)
        {
            Assert.That(message, Does.Contain($"{path}: not found"));
        }
        Assert.That(message, Does.Contain("dotnet cake --target=Native"));
        Assert.That(message, Does.Contain(NativeLibraryLoader.OverrideVariable));
    }

    [Test]
    public void ABrokenLibraryFileReportsTheLoadersReason()
    {
        var path = Path.Combine(_directory, NativeLibraryLoader.PlatformFileName);
        File.WriteAllText(path, "this is not a shared library");

        var handle = NativeLibraryLoader.Load([path], out var failures);

        Assert.That(handle, Is.EqualTo(IntPtr.Zero));
        Assert.That(failures, Has.Count.EqualTo(1));
        Assert.That(failures[0], Does.StartWith($"{path}: exists but failed to load: "));
        Assert.That(failures[0].Length, Is.GreaterThan($"{path}: exists but failed to load: ".Length + 10),
            "the operating system's reason follows");
    }

    [Test]
    public void AnOverrideThatDoesNotLoadIsAnErrorNotAFallback()
    {
        var missing = Path.Combine(_directory, "missing", NativeLibraryLoader.PlatformFileName);
        var broken = Path.Combine(_directory, NativeLibraryLoader.PlatformFileName);
        File.WriteAllText(broken, "this is not a shared library");

        var notFound = Assert.Throws<DllNotFoundException>(() => NativeLibraryLoader.LoadOverride(missing));
        var notLoadable = Assert.Throws<DllNotFoundException>(() => NativeLibraryLoader.LoadOverride(broken));

        Assert.That(notFound!.Message, Does.Contain($"{NativeLibraryLoader.OverrideVariable} names: {missing}: not found")
            .And.Contain($"MetalCore.Runtime.{NativeLibraryLoader.RuntimeIdentifier}"));
        Assert.That(notLoadable!.Message, Does.Contain($"{broken}: exists but failed to load: "));
    }

    [Test]
    public void CandidatesFollowTheNuGetRuntimesLayoutThenTheApplicationFolder()
    {
        var candidates = NativeLibraryLoader.CandidatePaths([_directory, null, _directory]);
        Assert.That(candidates, Is.EqualTo(new[]
        {
            Path.Combine(_directory, "runtimes", NativeLibraryLoader.RuntimeIdentifier, "native", NativeLibraryLoader.PlatformFileName),
            Path.Combine(_directory, NativeLibraryLoader.PlatformFileName),
        }));
    }
}
