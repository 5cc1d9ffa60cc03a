using System.Runtime.InteropServices;
using MetalCore.Interop;

namespace MetalCore.Runtime;

/// <summary>Turns native status codes into typed exceptions carrying the native message.</summary>
internal static unsafe class NativeErrors
{
    /// <summary>Throws the exception for <paramref name="status"/> unless it is OK.</summary>
    public static void Check(Status status)
    {
        if (status != Status.Ok)
        {
            throw Create((NativeStatus)status, LastErrorMessage());
        }
    }

    /// <summary>The calling thread's last native error message.</summary>
    public static string LastErrorMessage() =>
        Marshal.PtrToStringUTF8((nint)NativeMethods.LastError()) ?? "";

    /// <summary>The typed exception for a status and message.</summary>
    public static Exception Create(NativeStatus status, string message)
    {
        message = string.IsNullOrEmpty(message) ? $"metal_core returned {status}" : message;
        return status switch
        {
            NativeStatus.InvalidArgument => new ArgumentException(message),
            NativeStatus.OutOfRange => new ArgumentOutOfRangeException(null, message),
            NativeStatus.InvalidState => new InvalidOperationException(message),
            NativeStatus.BackendUnavailable => new BackendUnavailableException(message),
            NativeStatus.OutOfMemory => new DeviceOutOfMemoryException(message),
            NativeStatus.Unsupported => new NativeNotSupportedException(message),
            NativeStatus.Device => new DeviceException(message),
            _ => new NativeCallException(status, message),
        };
    }
}
