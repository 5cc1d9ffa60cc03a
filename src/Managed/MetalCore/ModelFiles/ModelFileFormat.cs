namespace MetalCore.ModelFiles;

/// <summary>The on-disk format a <see cref="ModelDescription"/> was read from.</summary>
internal enum ModelFileFormat
{
    /// <summary>A single GGUF file (llama.cpp's conventions).</summary>
    Gguf,

    /// <summary>A Hugging Face / MLX directory: config.json and safetensors weights.</summary>
    Safetensors,
}
