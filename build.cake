// build.cake — the whole build, run with `dotnet cake --target=NAME` (Cake.Tool, see
// .config/dotnet-tools.json). Targets:
//   Native     CMake configure + build of native/metal_core (CPU always; Metal on macOS; CUDA
//              where nvcc is) into artifacts/runtimes/<rid>/native/.
//   Bindings   regenerate src/Managed/MetalCore/Interop/NativeMethods.g.cs from metal_core.h.
//   Build      Native, then Interop.sln.
//   Test       Build, then format checks, native tests (ctest), native tests under
//              AddressSanitizer + UBSan, Pack, and the NUnit tests (among them the consumer test
//              that installs the packages into a new project); ends with one summary line.
//   Pack       NuGet packages into artifacts/packages/: MetalCore, MetalCore.Runtime.<rid> for
//              each native library built (linux-x64; osx-arm64 on macOS), the MetalCore.Cli tool.
//   Demo       (default) Build, then generate a story with the CLI's built-in demo model.
using System.Xml.Linq;

var target = Argument("target", "Demo");
var configuration = Argument("configuration", "Release");
var root = MakeAbsolute(Directory("."));
var artifacts = root.Combine("artifacts");
var nativeSource = root.Combine("native/metal_core");
var rid = HostRid();
var runtimeDir = artifacts.Combine($"runtimes/{rid}/native");
var testResults = artifacts.Combine("test-results");
var summary = new TestSummary();

// The runtime identifier of this machine, in NuGet's runtimes/<rid>/ naming.
string HostRid()
{
    var os = OperatingSystem.IsMacOS() ? "osx" : OperatingSystem.IsWindows() ? "win" : "linux";
    var arch = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.X64 => "x64",
        var other => other.ToString().ToLowerInvariant(),
    };
    return $"{os}-{arch}";
}

// Runs a program and fails the build with its name and exit code when it fails.
void Run(string program, string arguments, DirectoryPath workingDirectory = null)
{
    Information($"> {program} {arguments}");
    var exitCode = StartProcess(program, new ProcessSettings
    {
        Arguments = arguments,
        WorkingDirectory = workingDirectory ?? root,
    });
    if (exitCode != 0)
    {
        throw new CakeException($"'{program} {arguments}' failed with exit code {exitCode}.");
    }
}

// Configures (once) and builds one CMake tree; an unchanged tree rebuilds nothing.
void BuildNative(DirectoryPath buildDir, string extraOptions)
{
    if (!FileExists(buildDir.CombineWithFilePath("CMakeCache.txt")))
    {
        Run("cmake", $"-S \"{nativeSource}\" -B \"{buildDir}\" -DCMAKE_BUILD_TYPE=Release {extraOptions}");
    }
    Run("cmake", $"--build \"{buildDir}\" --parallel {Environment.ProcessorCount}");
}

// Runs ctest in a build tree, recording its JUnit results for the summary.
void RunCtest(DirectoryPath buildDir, string name)
{
    var junit = testResults.CombineWithFilePath($"ctest-{name}.xml");
    var exitCode = StartProcess("ctest", new ProcessSettings
    {
        Arguments = $"--test-dir \"{buildDir}\" --output-on-failure --output-junit \"{junit}\"",
        WorkingDirectory = root,
    });
    summary.AddJUnit(junit.FullPath, name);
    if (exitCode != 0)
    {
        summary.Failures.Add($"ctest ({name}) exited with {exitCode}");
    }
}

Task("Native")
    .Description("Build libmetal_core into artifacts/runtimes/<rid>/native/.")
    .Does(() =>
{
    EnsureDirectoryExists(runtimeDir);
    BuildNative(artifacts.Combine("native/release"), $"-DMC_OUTPUT_DIR=\"{runtimeDir}\"");
});

Task("Bindings")
    .Description("Regenerate the C# bindings from metal_core.h.")
    .Does(() =>
{
    Run("dotnet", "run --project bindings/MetalCore.Bindings -c Release -- bindings/metal_core.rsp");
});

Task("Build")
    .IsDependentOn("Native")
    .Does(() =>
{
    Run("dotnet", $"build Interop.sln -c {configuration} --nologo");
});

Task("FormatCheck")
    .Description("dotnet format and clang-format must find nothing to change.")
    .Does(() =>
{
    Run("dotnet", "format Interop.sln --verify-no-changes");
    var sources = GetFiles("native/**/*.{c,h,cpp,hpp,cu,cuh,m,metal}")
        .Concat(GetFiles("tests/native/**/*.{c,h,cpp,hpp}"))
        .Concat(GetFiles("tests/metal/**/*.{c,h,cpp,hpp,m}"))
        .Select(file => $"\"{file}\"");
    Run("clang-format", $"--dry-run --Werror {string.Join(" ", sources)}");
});

Task("NativeTest")
    .IsDependentOn("Native")
    .Does(() =>
{
    EnsureDirectoryExists(testResults);
    RunCtest(artifacts.Combine("native/release"), "native");
});

Task("NativeSanitizerTest")
    .Description("The native tests again, built with AddressSanitizer and UBSan.")
    .WithCriteria(() => !OperatingSystem.IsWindows())
    .Does(() =>
{
    EnsureDirectoryExists(testResults);
    var buildDir = artifacts.Combine("native/sanitize");
    BuildNative(buildDir, "-DMC_SANITIZE=address,undefined");
    RunCtest(buildDir, "native-asan-ubsan");
});

Task("DotnetTest")
    .IsDependentOn("Build")
    .IsDependentOn("Pack")
    .Does(() =>
{
    EnsureDirectoryExists(testResults);
    var trx = testResults.CombineWithFilePath("dotnet.trx");
    var exitCode = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = $"test Interop.sln -c {configuration} --no-build --nologo "
            + $"--logger \"trx;LogFileName={trx}\" --logger \"console;verbosity=normal\"",
        WorkingDirectory = root,
    });
    summary.AddTrx(trx.FullPath);
    if (exitCode != 0)
    {
        summary.Failures.Add($"dotnet test exited with {exitCode}");
    }
});

Task("Test")
    .IsDependentOn("FormatCheck")
    .IsDependentOn("NativeTest")
    .IsDependentOn("NativeSanitizerTest")
    .IsDependentOn("DotnetTest")
    .Does(() =>
{
    // One line for CI, written where .ci/run prints it last (Cake's own task table follows).
    var line = summary.Line();
    System.IO.File.WriteAllText(testResults.CombineWithFilePath("summary.txt").FullPath, line + "\n");
    Information(line);
    if (summary.Failed > 0 || summary.Failures.Count > 0)
    {
        throw new CakeException($"Tests failed: {line}; {string.Join("; ", summary.Failures)}");
    }
});

Task("Pack")
    .IsDependentOn("Build")
    .Does(() =>
{
    // Only this build's packages: the consumer test installs whatever is there.
    CleanDirectory(artifacts.Combine("packages"));
    Run("dotnet", $"pack Interop.sln -c {configuration} --no-build --nologo -o \"{artifacts.Combine("packages")}\"");
});

Task("Demo")
    .IsDependentOn("Build")
    .Does(() =>
{
    // No -m: the CLI runs the built-in demo model (assets/demo-model/metalcore-demo.gguf,
    // copied beside it by the build) and reports prompt and generation tok/s.
    Run("dotnet", $"run --project src/Managed/MetalCore.Cli -c {configuration} --no-build -- run "
        + "--prompt \"Once upon a time, there was a little girl named Lily.\" --max-tokens 200");
});

RunTarget(target);

// Counts test results over ctest's JUnit files and dotnet test's TRX file.
class TestSummary
{
    public int Passed;
    public int Failed;
    public int Skipped;
    public List<string> Failures { get; } = new();

    public void AddJUnit(string path, string name)
    {
        if (!System.IO.File.Exists(path))
        {
            Failures.Add($"ctest ({name}) wrote no results");
            return;
        }
        foreach (var testcase in XDocument.Load(path).Descendants("testcase"))
        {
            var status = (string)testcase.Attribute("status");
            if (testcase.Element("failure") != null || status == "fail") Failed++;
            else if (testcase.Element("skipped") != null || status == "notrun" || status == "disabled") Skipped++;
            else Passed++;
        }
    }

    public void AddTrx(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            Failures.Add("dotnet test wrote no results");
            return;
        }
        XNamespace ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";
        foreach (var result in XDocument.Load(path).Descendants(ns + "UnitTestResult"))
        {
            switch ((string)result.Attribute("outcome"))
            {
                case "Passed": Passed++; break;
                case "NotExecuted": Skipped++; break;
                default: Failed++; break;
            }
        }
    }

    public string Line() =>
        $"{Passed} passed, {Failed} failed" + (Skipped > 0 ? $", {Skipped} skipped" : "");
}
