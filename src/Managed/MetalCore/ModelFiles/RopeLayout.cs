namespace MetalCore.ModelFiles;

/// <summary>
/// Which pairs of a head's dimensions RoPE rotates together, for the q and k weights as stored
/// in the file (the rotation itself is the same; only the pairing differs).
/// <list type="bullet">
/// <item>GGUF <c>llama</c>: <see cref="Interleaved"/>, because llama.cpp's converter permutes the
/// rows of q and k from Hugging Face's layout (its "normal" rope mode).</item>
/// <item>GGUF <c>qwen3</c>: <see cref="NeoX"/> (llama.cpp does not permute Qwen weights).</item>
/// <item>Hugging Face llama and qwen3: <see cref="NeoX"/> (rotate_half, no permutation needed).</item>
/// </list>
/// </summary>
public enum RopeLayout
{
    /// <summary>Dimensions (2i, 2i+1) form pair i (llama.cpp's "normal" mode, the original Llama code).</summary>
    Interleaved,

    /// <summary>Dimensions (i, i + n/2) form pair i, n being the rotated dimensions (GPT-NeoX, HF rotate_half).</summary>
    NeoX,
}
