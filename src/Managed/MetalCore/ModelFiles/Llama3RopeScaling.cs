using MetalCore.Models;

namespace MetalCore.ModelFiles;

/// <summary>
/// Llama 3.1-style RoPE frequency scaling (<c>rope_type: "llama3"</c>): low frequencies are
/// divided by <see cref="Factor"/>, high ones kept, and the band between blended smoothly.
/// </summary>
/// <param name="Factor">The divisor of the lowest frequencies.</param>
/// <param name="LowFrequencyFactor">Wavelengths above original context / this are fully scaled.</param>
/// <param name="HighFrequencyFactor">Wavelengths below original context / this are not scaled.</param>
/// <param name="OriginalContextLength">The context length the model was pre-trained with.</param>
internal sealed record Llama3RopeScaling(double Factor, double LowFrequencyFactor, double HighFrequencyFactor, int OriginalContextLength)
{
    /// <summary>
    /// The per-pair divisors of the RoPE frequencies (what GGUF stores as <c>rope_freqs.weight</c>:
    /// the model uses θ_i / factor_i).
    /// </summary>
    /// <param name="ropeDimensions">The rotated dimensions per head (even).</param>
    /// <param name="theta">The RoPE base frequency.</param>
    public float[] ComputeFrequencyFactors(int ropeDimensions, double theta) =>
        RopeScaling.Llama3Factors((float)theta, ropeDimensions, (float)Factor, (float)LowFrequencyFactor, (float)HighFrequencyFactor, OriginalContextLength);
}
