namespace MetalCore;

/// <summary>
/// The base of every error MetalCore raises on purpose: a failing native call (with the native
/// library's own message), a model file that cannot be used, a context that is full.
/// </summary>
public class MetalCoreException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public MetalCoreException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public MetalCoreException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A native call failed; <see cref="Status"/> says how, the message says why.</summary>
public class NativeCallException : MetalCoreException
{
    /// <summary>Creates the exception for a failed native call.</summary>
    public NativeCallException(NativeStatus status, string message) : base(message) => Status = status;

    /// <summary>The native status code.</summary>
    public NativeStatus Status { get; }
}

/// <summary>The requested backend (Metal, CUDA) is not built into the native library or has no
/// device on this machine.</summary>
public sealed class BackendUnavailableException : NativeCallException
{
    /// <summary>Creates the exception with the native library's explanation.</summary>
    public BackendUnavailableException(string message) : base(NativeStatus.BackendUnavailable, message) { }
}

/// <summary>The device ran out of memory.</summary>
public sealed class DeviceOutOfMemoryException : NativeCallException
{
    /// <summary>Creates the exception with the native library's explanation.</summary>
    public DeviceOutOfMemoryException(string message) : base(NativeStatus.OutOfMemory, message) { }
}

/// <summary>The backend does not implement an operation or data type.</summary>
public sealed class NativeNotSupportedException : NativeCallException
{
    /// <summary>Creates the exception with the native library's explanation.</summary>
    public NativeNotSupportedException(string message) : base(NativeStatus.Unsupported, message) { }
}

/// <summary>The device or its driver reported an error.</summary>
public sealed class DeviceException : NativeCallException
{
    /// <summary>Creates the exception with the native library's explanation.</summary>
    public DeviceException(string message) : base(NativeStatus.Device, message) { }
}

/// <summary>The native status codes of <c>metal_core.h</c>.</summary>
public enum NativeStatus
{
    /// <summary>Success.</summary>
    Ok = 0,
    /// <summary>A NULL handle, a bad shape, an unknown enum value.</summary>
    InvalidArgument = 1,
    /// <summary>A host or device allocation failed.</summary>
    OutOfMemory = 2,
    /// <summary>The backend does not implement this op or data type.</summary>
    Unsupported = 3,
    /// <summary>The requested backend is not built or has no device.</summary>
    BackendUnavailable = 4,
    /// <summary>The device or driver reported an error.</summary>
    Device = 5,
    /// <summary>An offset, size or index outside its buffer.</summary>
    OutOfRange = 6,
    /// <summary>A call at the wrong time, e.g. launching a graph while recording another.</summary>
    InvalidState = 7,
    /// <summary>A bug in metal_core.</summary>
    Internal = 8,
}
