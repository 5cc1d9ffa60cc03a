namespace MetalCore.ModelFiles;

/// <summary>
/// A model file (GGUF, safetensors, config.json, tokenizer files) is malformed, truncated,
/// inconsistent or uses a feature MetalCore does not support. The message names the file and
/// the exact key, tensor or offset at fault and what was expected.
/// </summary>
public class ModelFileException : Exception
{
    /// <summary>Creates the exception for <paramref name="filePath"/> with a precise description.</summary>
    /// <param name="filePath">The file (or model directory) at fault.</param>
    /// <param name="detail">What is wrong: the key, tensor or offset, and what was expected.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ModelFileException(string filePath, string detail, Exception? innerException = null)
        : base($"{filePath}: {detail}", innerException)
    {
        FilePath = filePath;
        Detail = detail;
    }

    /// <summary>The file (or model directory) at fault.</summary>
    public string FilePath { get; }

    /// <summary>The description of the problem, without the file path.</summary>
    public string Detail { get; }
}

/// <summary>
/// The model file is well formed but needs something MetalCore does not implement
/// (an architecture, a tensor type, a file format version).
/// </summary>
public sealed class UnsupportedModelException : ModelFileException
{
    /// <summary>Creates the exception for <paramref name="filePath"/> naming the unsupported feature.</summary>
    /// <param name="filePath">The file (or model directory) at fault.</param>
    /// <param name="detail">What is unsupported, and what is supported instead.</param>
    public UnsupportedModelException(string filePath, string detail)
        : base(filePath, detail)
    {
    }
}
