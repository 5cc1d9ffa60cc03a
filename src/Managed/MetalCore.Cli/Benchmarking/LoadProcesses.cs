using System.Diagnostics;
using MetalCore.Runtime;

namespace MetalCore.Cli.Benchmarking;

/// <summary>
/// K background processes (<c>metalcore load-worker</c>) that load the device <c>bench --load</c>
/// measures: each keeps one CPU core busy, or decodes a small model on a GPU backend without
/// pause. They start idle and are switched on and off between runs through their standard
/// input, so runs with and without load can alternate; each confirms a switch before the next
/// run starts. A worker exits when its standard input closes, so none outlives this process.
/// </summary>
internal sealed class LoadProcesses : IDisposable
{
    private readonly List<Process> _workers = [];

    private LoadProcesses() { }

    /// <summary>Starts <paramref name="count"/> idle workers for <paramref name="backend"/> and waits until each is ready.</summary>
    public static LoadProcesses Start(int count, ComputeBackend backend)
    {
        var load = new LoadProcesses();
        try
        {
            for (var i = 0; i < count; i++)
            {
                load._workers.Add(StartWorker(backend));
            }
            foreach (var worker in load._workers)
            {
                Expect(worker, "ready");
            }
            return load;
        }
        catch
        {
            load.Dispose();
            throw;
        }
    }

    /// <summary>Switches every worker on or off and waits for their confirmation.</summary>
    public void Set(bool on)
    {
        foreach (var worker in _workers)
        {
            worker.StandardInput.WriteLine(on ? "on" : "off");
            worker.StandardInput.Flush();
        }
        foreach (var worker in _workers)
        {
            Expect(worker, "ok");
        }
    }

    private static Process StartWorker(ComputeBackend backend)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's path to start load processes."),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Run through `dotnet MetalCore.Cli.dll` (not the apphost): the same again.
        if (Path.GetFileNameWithoutExtension(start.FileName).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "MetalCore.Cli.dll"));
        }
        start.ArgumentList.Add("load-worker");
        start.ArgumentList.Add("--backend");
        start.ArgumentList.Add(backend.ToString().ToLowerInvariant());
        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start a load process ({start.FileName}).");
    }

    private static void Expect(Process worker, string word)
    {
        var line = worker.StandardOutput.ReadLine();
        if (line != word)
        {
            throw new InvalidOperationException($"A load process (pid {worker.Id}) answered '{line ?? "(it exited)"}' instead of '{word}'.");
        }
    }

    /// <summary>Closes the workers' input (they exit), and kills any that has not exited within 5 s.</summary>
    public void Dispose()
    {
        foreach (var worker in _workers)
        {
            try
            {
                worker.StandardInput.Close();
                if (!worker.WaitForExit(5000))
                {
                    worker.Kill();
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            worker.Dispose();
        }
        _workers.Clear();
    }
}
