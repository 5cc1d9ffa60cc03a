using MetalCore.Chat;
using MetalCore.Interop;
using MetalCore.ModelFiles;
using MetalCore.Runtime;
using MetalCore.Tests.Infrastructure;
using MetalCore.Tests.ModelFiles;
using Microsoft.Extensions.AI;

namespace MetalCore.Tests.Packaging;

/// <summary>
/// The packages work outside the repository: a brand-new console project in a temporary folder
/// adds MetalCore from the packages the Pack target built (the native library comes with
/// MetalCore.Runtime.&lt;rid&gt;), builds and generates text; the CLI installs as a .NET tool and
/// runs. Outputs are checked against llama2.c's published stories260K text, and against this
/// build's library where no published reference exists.
/// </summary>
[TestFixture]
[Category("Slow")]
[NonParallelizable]
public class ConsumerProjectTests
{
    private static readonly string s_rid = NativeLibraryLoader.RuntimeIdentifier;
    private string _version = "";
    private TempFolder? _folder;

    private string Folder => _folder!.Path;

    [OneTimeSetUp]
    public void CreateFeed()
    {
        _version = PackageFeed.RequireVersion();
        _folder = new TempFolder();
        PackageFeed.WriteConfig(Folder);
    }

    [OneTimeTearDown]
    public void DeleteFeed() => _folder?.Dispose();

    private static string? StoriesModel() =>
        Fixtures.Available && File.Exists(Path.Combine(Fixtures.Root, "models/stories260K/stories260K.gguf"))
            ? Path.Combine(Fixtures.Root, "models/stories260K/stories260K.gguf")
            : null;

    private static string PublishedStory() =>
        File.ReadAllText(Path.Combine(Fixtures.Root, "models/stories260K/expected_greedy_bos_256_text.txt"));

    private static string Line(ProcessResult run, string marker) =>
        run.Output.Split('\n').Select(l => l.TrimEnd('\r')).Single(l => l.StartsWith(marker + " ", StringComparison.Ordinal))[(marker.Length + 1)..]
            .Replace("\\n", "\n").Replace("\\\\", "\\");

    [Test]
    public void ANewConsoleProjectAddsTheLibraryPackageAndGenerates()
    {
        var app = Path.Combine(Folder, "Consumer");
        ChildProcess.Run("dotnet", ["new", "console", "--output", app, "--framework", "net10.0"], Folder);
        ChildProcess.Run("dotnet", ["add", app, "package", "MetalCore", "--version", _version], Folder);
        File.Copy(Path.Combine(Fixtures.RepositoryRoot, "tests", "PackageConsumer", "Program.cs"), Path.Combine(app, "Program.cs"), overwrite: true);
        ChildProcess.Run("dotnet", ["build", app, "-c", "Release", "--nologo", "-m:1"], Folder);

        // The native library came with the runtime package, where NuGet puts it for a portable app.
        var output = Path.Combine(app, "bin", "Release", "net10.0");
        var native = Path.Combine(output, "runtimes", s_rid, "native", NativeLibraryLoader.PlatformFileName);
        Assert.That(File.Exists(native), Is.True, $"{native} should come from MetalCore.Runtime.{s_rid}");
        Assert.That(File.Exists(Path.Combine(Folder, "packages", $"metalcore.runtime.{s_rid}", _version, $"metalcore.runtime.{s_rid}.nuspec")), Is.True,
            "MetalCore brought its runtime package as a dependency");

        var synthetic = ChildProcess.Run("dotnet", ["run", "--project", app, "-c", "Release", "--no-build"], Folder);
        Assert.That(Line(synthetic, "TOKENS"), Is.EqualTo(string.Join(' ', SyntheticTokensHere())), "the same synthetic model gives the same tokens as this build");

        if (StoriesModel() is not { } model)
        {
            Assert.Warn("stories260K is absent: only the synthetic model was generated with.");
            return;
        }
        var story = ChildProcess.Run("dotnet", ["run", "--project", app, "-c", "Release", "--no-build", "--", model], Folder);
        var text = Line(story, "TEXT");
        Assert.That(text, Has.Length.GreaterThan(60));
        Assert.That(PublishedStory(), Does.StartWith(text), "30 greedy tokens from BOS are the start of llama2.c's published story");
        Assert.That(Line(story, "CHAT"), Is.EqualTo(ChatReplyHere(model)));
        Assert.That(Line(story, "USAGE"), Is.EqualTo("10 length"));
    }

    [Test]
    public void TheCliInstallsAsAToolAndRuns()
    {
        var tools = Path.Combine(Folder, "tools");
        ChildProcess.Run("dotnet", ["tool", "install", "MetalCore.Cli", "--version", _version, "--tool-path", tools], Folder);
        var metalcore = Path.Combine(tools, OperatingSystem.IsWindows() ? "metalcore.exe" : "metalcore");

        var help = ChildProcess.Run(metalcore, ["--help"], Folder);
        Assert.That(help.Output, Does.Contain("run").And.Contain("tokenize"));

        if (StoriesModel() is not { } model)
        {
            Assert.Warn("stories260K is absent: the tool was installed but not run on a model.");
            return;
        }
        var run = ChildProcess.Run(metalcore, ["run", "--model", model, "--backend", "cpu", "--threads", "1", "--max-tokens", "30"], Folder);
        var text = run.Output.TrimEnd('\n', '\r');
        Assert.That(text, Has.Length.GreaterThan(60));
        Assert.That(PublishedStory(), Does.StartWith(text));
    }

    // What the consumer's synthetic branch computes, computed here with this build.
    private static List<int> SyntheticTokensHere()
    {
        using var model = LanguageModel.CreateSynthetic("SmolLM2-135M", GgmlType.Q8_0, new ModelLoadOptions { Backend = ComputeBackend.Cpu, ContextLength = 128, Threads = 1 });
        using var session = model.CreateSession();
        List<int> tokens = [session.AppendGreedy([1, 2, 3])];
        while (tokens.Count < 4)
        {
            tokens.Add(session.AppendGreedy([tokens[^1]]));
        }
        return tokens;
    }

    private static string ChatReplyHere(string path)
    {
        using var model = LanguageModel.Load(path, new ModelLoadOptions { Backend = ComputeBackend.Cpu, ContextLength = 128, Threads = 1 });
        using IChatClient chat = new MetalCoreChatClient(model, new() { ChatTemplate = "{% for m in messages %}{{ m.content }}{% endfor %}" });
        return chat.GetResponseAsync("Once upon a time", new ChatOptions { MaxOutputTokens = 10 }).GetAwaiter().GetResult().Text;
    }
}
