namespace MetalCore.ModelFiles;

/// <summary>
/// Llama 3.1-style RoPE frequency scaling (<c>rope_type: "llama3"</c>): low frequencies are
/// divided by <see cref="Factor"/>, high ones kept, and the band between blended smoothly.
/// </summary>
/// <param name="Factor">The divisor of the lowest frequencies.</param>
/// <param name="LowFrequencyFactor">Wavelengths above original context / this are fully scaled.</param>
/// <param name="HighFrequencyFactor">Wavelengths below original context / this are not scaled.</param>
/// <param name="OriginalContextLength">The context length the model was pre-trained with.</param>
public sealed record Llama3RopeScaling(double Factor, double LowFrequencyFactor, double HighFrequencyFactor, int OriginalContextLength)
{
    /// <summary>
    /// The per-pair divisors of the RoPE frequencies (what GGUF stores as <c>rope_freqs.weight</c>:
    /// the model uses θ_i / factor_i), computed in float32 as llama.cpp's converter computes them.
    /// </summary>
    /// <param name="ropeDimensions">The rotated dimensions per head (even).</param>
    /// <param name="theta">The RoPE base frequency.</param>
    public float[] ComputeFrequencyFactors(int ropeDimensions, double theta)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ropeDimensions);
        var factor = (float)Factor;
        var low = (float)LowFrequencyFactor;
        var high = (float)HighFrequencyFactor;
        var context = (float)OriginalContextLength;
        var lowFrequencyWavelength = context / low;
        var highFrequencyWavelength = context / high;
        var factors = new float[ropeDimensions / 2];
        for (var i = 0; i < factors.Length; i++)
        {
            var exponent = (float)(2 * i) / ropeDimensions;
            var frequency = 1f / (float)Math.Pow(theta, exponent);
            var wavelength = (float)(2 * Math.PI) / frequency;
            if (wavelength < highFrequencyWavelength)
            {
                factors[i] = 1f;
            }
            else if (wavelength > lowFrequencyWavelength)
            {
                factors[i] = factor;
            }
            else
            {
                var smooth = (context / wavelength - low) / (high - low);
                factors[i] = 1f / ((1f - smooth) / factor + smooth);
            }
        }
        return factors;
    }
}
