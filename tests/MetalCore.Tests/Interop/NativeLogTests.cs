using System.Text;
using MetalCore.Interop;
using MetalCore.ModelFiles;
using MetalCore.Runtime;

namespace MetalCore.Tests.Interop;

/// <summary>
/// The native library's log messages as .NET sees them: one logged by the CPU backend (the only
/// one on this machine) end to end, and the callback called the way the native library calls it
/// (an unmanaged function pointer with a UTF-8 string) for levels and handler faults the CPU
/// backend cannot produce on demand.
/// </summary>
[TestFixture]
[NonParallelizable] // NativeLog.MessageLogged is process-wide
public unsafe class NativeLogTests
{
    private static void Log(LogLevel level, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text + "\0");
        fixed (byte* pointer = bytes)
        {
            ((delegate* unmanaged[Cdecl]<LogLevel, byte*, void*, void>)&NativeLog.Receive)(level, pointer, null);
        }
    }

    [Test]
    public void AMessageArrivesWithItsLevelAndText()
    {
        var received = new List<NativeLogMessage>();
        EventHandler<NativeLogMessage> handler = (_, message) => received.Add(message);
        NativeLog.MessageLogged += handler;
        try
        {
            Log(LogLevel.Warning, "CUDA backend: libcublasLt.so.13 could not be loaded — prompts run on the matvec kernels");
            Log(LogLevel.Info, "Metal: kernels compiled from the embedded source");
            Log((LogLevel)7, "a level this assembly does not know");
        }
        finally
        {
            NativeLog.MessageLogged -= handler;
        }

        Assert.That(received, Is.EqualTo(new[]
        {
            new NativeLogMessage(NativeLogLevel.Warning, "CUDA backend: libcublasLt.so.13 could not be loaded — prompts run on the matvec kernels"),
            new NativeLogMessage(NativeLogLevel.Info, "Metal: kernels compiled from the embedded source"),
            new NativeLogMessage(NativeLogLevel.Warning, "a level this assembly does not know"),
        }));
    }

    [Test]
    public void AHandlerThatThrowsNeitherEscapesNorStopsTheOthers()
    {
        var second = new List<string>();
        EventHandler<NativeLogMessage> throwing = (_, _) => throw new InvalidOperationException("handler bug");
        EventHandler<NativeLogMessage> collecting = (_, message) => second.Add(message.Text);
        NativeLog.MessageLogged += throwing;
        NativeLog.MessageLogged += collecting;
        try
        {
            Assert.DoesNotThrow(() => Log(LogLevel.Error, "first"));
        }
        finally
        {
            NativeLog.MessageLogged -= throwing;
            NativeLog.MessageLogged -= collecting;
        }

        Assert.That(second, Is.EqualTo(new[] { "first" }));
    }

    [Test]
    public void AWarningOfTheCpuBackendReachesTheHandlers()
    {
        // op_embedding.c logs a token id outside the table and gives its row zeros.
        var received = new List<NativeLogMessage>();
        EventHandler<NativeLogMessage> handler = (_, message) => received.Add(message);
        NativeLog.MessageLogged += handler;
        var rows = new float[2 * 8];
        try
        {
            using var context = ComputeContext.Create(ComputeBackend.Cpu, threads: 1);
            using var table = context.Allocate(4 * 8 * sizeof(float));
            using var tokens = context.Allocate(2 * sizeof(int));
            using var output = context.Allocate(2 * 8 * sizeof(float));
            table.Write<float>(Enumerable.Range(1, 4 * 8).Select(v => (float)v).ToArray());
            tokens.Write<int>([1, 9]);
            context.Embedding(table.View(GgmlType.F32, 4, 8), tokens.View(GgmlType.I32, 2, 1), output.View(GgmlType.F32, 2, 8));
            context.Synchronize();
            output.Read<float>(rows);
        }
        finally
        {
            NativeLog.MessageLogged -= handler;
        }

        Assert.That(received, Has.Some.EqualTo(new NativeLogMessage(NativeLogLevel.Warning,
            "mc_op_embedding: token id 9 at row 1 is outside the vocabulary of 4; its embedding is zero")));
        Assert.That(rows, Is.EqualTo(Enumerable.Range(9, 8).Select(v => (float)v).Concat(new float[8])));
    }
}
