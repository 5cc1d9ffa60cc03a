namespace MetalCore.Models;

/// <summary>Rope frequency scalings expressed as the per-frequency divisors the rope op takes.</summary>
internal static class RopeScaling
{
    /// <summary>
    /// Llama 3's scaling (rope_type "llama3"): wavelengths shorter than
    /// original_context / high_freq_factor keep their frequency, those longer than
    /// original_context / low_freq_factor are slowed by <paramref name="factor"/>, and those in
    /// between blend smoothly. Returns one divisor per rotated pair (ropeDims / 2), the values
    /// llama.cpp stores as rope_freqs.weight.
    /// </summary>
    public static float[] Llama3Factors(float theta, int ropeDims, float factor, float lowFrequencyFactor,
        float highFrequencyFactor, int originalContextLength)
    {
        var lowFrequencyWavelength = originalContextLength / lowFrequencyFactor;
        var highFrequencyWavelength = originalContextLength / highFrequencyFactor;
        var factors = new float[ropeDims / 2];
        for (var i = 0; i < factors.Length; i++)
        {
            var frequency = Math.Pow(theta, -2.0 * i / ropeDims);
            var wavelength = 2 * Math.PI / frequency;
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
                var smooth = (originalContextLength / wavelength - lowFrequencyFactor) / (highFrequencyFactor - lowFrequencyFactor);
                // new frequency = (1 - smooth) * f / factor + smooth * f, as a divisor of f:
                factors[i] = (float)(1 / ((1 - smooth) / factor + smooth));
            }
        }
        return factors;
    }
}
