using System.CommandLine;
using MetalCore.Models;
using MetalCore.Runtime;
using MetalCore.Tuning;

namespace MetalCore.Cli.Commands;

/// <summary>
/// `metalcore load-worker` (hidden): one background load process of <c>bench --load</c>. Says
/// "ready", then obeys "on" / "off" lines on its standard input (answering "ok"); exits when
/// the input closes. On the CPU it keeps one core busy; on a GPU backend it decodes a synthetic
/// SmolLM2-135M without pause, as another inference process on the same device would.
/// </summary>
internal static class LoadWorkerCommand
{
    public static Command Create()
    {
        var command = new Command("load-worker", "A background load process for bench --load (internal).") { Hidden = true };
        var backend = CommonOptions.Backend();
        command.Options.Add(backend);
        command.SetCancellableAction((parsed, _) => Serve(parsed.GetValue(backend)));
        return command;
    }

    private static void Serve(ComputeBackend backend)
    {
        using var model = backend is ComputeBackend.Cpu or ComputeBackend.Auto
            ? null
            : LanguageModel.CreateSynthetic("SmolLM2-135M", ModelFiles.GgmlType.Q8_0, new ModelLoadOptions { Backend = backend, Tuning = TuningTable.Empty });
        using var on = new ManualResetEventSlim(false);
        var stop = false;
        var worker = new Thread(() => Work(model, on, () => Volatile.Read(ref stop))) { IsBackground = true };
        worker.Start();
        Console.WriteLine("ready");
        while (Console.ReadLine() is { } line)
        {
            if (line == "on")
            {
                on.Set();
            }
            else if (line == "off")
            {
                on.Reset();
            }
            Console.WriteLine("ok");
        }
        Volatile.Write(ref stop, true);
        on.Set();
        worker.Join();
    }

    // While switched on: decode on the device, or spin on the CPU.
    private static void Work(LanguageModel? model, ManualResetEventSlim on, Func<bool> stopped)
    {
        using var session = model?.CreateSession(new SessionOptions { ContextLength = 512 });
        var next = 1;
        while (!stopped())
        {
            on.Wait();
            if (session is null)
            {
                Thread.SpinWait(1000);
                continue;
            }
            if (session.Position >= session.ContextLength - 1)
            {
                session.Reset();
            }
            next = session.AppendGreedy([next]);
        }
    }
}
