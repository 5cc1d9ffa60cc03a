using System.Text;
using MetalCore.Interop;
using MetalCore.Runtime;

namespace MetalCore.Tests.Interop;

/// <summary>
/// The native library's log messages as .NET sees them. The callback is called here the way the
/// native library calls it (an unmanaged function pointer with a UTF-8 string): the CPU backend,
/// the only one on this machine, logs nothing of its own.
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
    public void CreatingAContextInstallsTheCallbackWithoutError()
    {
        // The native side of the forwarding: mc_set_log_callback accepted the function pointer
        // (a failure would throw here); the messages themselves come from GPU backends.
        Assert.DoesNotThrow(NativeLibraryVersion.EnsureCompatible);
        Assert.DoesNotThrow(NativeLog.EnsureForwarding);
    }
}
