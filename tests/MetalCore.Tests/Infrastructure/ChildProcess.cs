using System.Diagnostics;

namespace MetalCore.Tests.Infrastructure;

/// <summary>What a finished program printed.</summary>
public sealed record ProcessResult(int ExitCode, string Output, string Error);

/// <summary>
/// Runs a program (dotnet, an installed tool) to completion with a time limit, in an
/// environment cleaned of what the test host's own MSBuild/test run put there, and fails the
/// test with its output when it fails.
/// </summary>
public static class ChildProcess
{
    /// <summary>Runs <paramref name="program"/> and returns its output; a non-zero exit or a
    /// timeout fails the test with the command line and what it printed. The child's
    /// environment is cleaned, then <paramref name="environment"/> is added to it.</summary>
    public static ProcessResult Run(string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        CleanEnvironment(start.Environment);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromMinutes(10);
        var commandLine = $"{program} {string.Join(' ', start.ArgumentList)}";
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"'{commandLine}' did not finish within {limit}.\n{output.Result}\n{error.Result}");
        }
        process.WaitForExit();
        var result = new ProcessResult(process.ExitCode, output.Result, error.Result);
        if (result.ExitCode != 0)
        {
            Assert.Fail($"'{commandLine}' (in {workingDirectory}) exited with {result.ExitCode}.\n{result.Output}\n{result.Error}");
        }
        return result;
    }

    // The test host runs inside `dotnet test`, whose MSBuild variables would steer a child
    // build to this repository's SDK state; the child must behave like a fresh shell. No
    // MSBuild nodes or servers may outlive the test.
    private static void CleanEnvironment(IDictionary<string, string?> environment)
    {
        foreach (var name in environment.Keys.ToList())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || name is "NUGET_PACKAGES" or "METALCORE_NATIVE_LIBRARY" or "DOTNET_HOST_PATH")
            {
                environment.Remove(name);
            }
        }
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["DOTNET_CLI_DO_NOT_USE_MSBUILD_SERVER"] = "1";
    }
}
