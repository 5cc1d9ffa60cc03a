namespace MetalCore.Tuning;

/// <summary>A tuning table that cannot be read, or a tunable value the backend refuses; the
/// message names the file, the entry and the value.</summary>
public sealed class TuningException : MetalCoreException
{
    /// <summary>Creates the exception with a message.</summary>
    public TuningException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TuningException(string message, Exception? innerException) : base(message, innerException) { }
}
