using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MetalCore.Interop;

namespace MetalCore.Runtime;

/// <summary>Severity of a message from the native library.</summary>
public enum NativeLogLevel
{
    /// <summary>Detail for whoever debugs the library.</summary>
    Debug,

    /// <summary>What the library chose (e.g. where the Metal kernels were compiled from).</summary>
    Info,

    /// <summary>Something worked, but not as asked or not as fast as it could: e.g. the CUDA
    /// backend without cuBLASLt (prompts run on slower kernels), or a token outside the
    /// vocabulary given a zero embedding.</summary>
    Warning,

    /// <summary>Something failed; the call that failed also reports it as an exception.</summary>
    Error,
}

/// <summary>A message the native library logged.</summary>
/// <param name="Level">Its severity.</param>
/// <param name="Text">The message, in the library's words.</param>
public sealed record NativeLogMessage(NativeLogLevel Level, string Text);

/// <summary>
/// The messages the native library logs: what a result alone does not show (see
/// <see cref="NativeLogLevel"/>). <see cref="MessageLogged"/> is raised on the thread that logged,
/// from inside a native call, so handlers should be quick; an exception a handler throws is
/// dropped (it cannot cross into native code) and the other handlers still get the message.
/// With no handler, warnings and errors go to <see cref="Trace"/>.
/// </summary>
public static class NativeLog
{
    private static int s_forwarding;

    /// <summary>Raised for every message the native library logs (sender: null).</summary>
    public static event EventHandler<NativeLogMessage>? MessageLogged;

    /// <summary>Installs the forwarding callback in the native library, once per process; called
    /// before the first context is created, so its messages are not lost.</summary>
    internal static unsafe void EnsureForwarding()
    {
        if (Interlocked.Exchange(ref s_forwarding, 1) == 0)
        {
            NativeErrors.Check(NativeMethods.SetLogCallback(&Receive, null));
        }
    }

    /// <summary>Delivers one message to the handlers (or to <see cref="Trace"/> without any).</summary>
    internal static void Publish(NativeLogMessage message)
    {
        var handlers = MessageLogged;
        if (handlers is not null)
        {
            foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<NativeLogMessage>>())
            {
                try
                {
                    handler(null, message);
                }
                catch (Exception)
                {
                    // Dropped (see the class summary); the next handler still gets the message.
                }
            }
        }
        else if (message.Level >= NativeLogLevel.Warning)
        {
            Trace.TraceWarning($"MetalCore native library: {message.Text}");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static unsafe void Receive(LogLevel level, byte* text, void* userData)
    {
        try
        {
            var known = level <= LogLevel.Error ? (NativeLogLevel)level : NativeLogLevel.Warning;
            Publish(new NativeLogMessage(known, Marshal.PtrToStringUTF8((nint)text) ?? ""));
        }
        catch (Exception)
        {
            // An exception must not unwind into the native caller: it would end the process.
        }
    }
}
