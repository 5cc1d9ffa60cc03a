namespace MetalCore.Sampling;

/// <summary>
/// How the next token is chosen from the logits. The defaults are greedy decoding (temperature
/// 0), which runs on the device and reads back a single token id.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Softmax temperature; 0 (or less) means greedy: always the most likely token.</summary>
    public float Temperature { get; init; }

    /// <summary>Keep only the <c>TopK</c> most likely tokens; 0 disables.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability sums to at least
    /// <c>TopP</c>; 1 disables.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drop tokens less likely than <c>MinP</c> times the most likely one; 0 disables.</summary>
    public float MinP { get; init; }

    /// <summary>Divides positive (multiplies negative) logits of tokens seen in the penalty window;
    /// 1 disables (as in llama.cpp and Hugging Face).</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>Subtracted once from the logit of every token seen in the penalty window (OpenAI's
    /// presence_penalty); 0 disables.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>Subtracted from a token's logit once per occurrence in the penalty window (OpenAI's
    /// frequency_penalty); 0 disables.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>How many of the most recent tokens the penalties look at; -1 means all.</summary>
    public int PenaltyWindow { get; init; } = 64;

    /// <summary>Seed of the random generator; the same seed, prompt and options give the same text.
    /// Null picks a random seed.</summary>
    public ulong? Seed { get; init; }

    /// <summary>True when no option needs the full logits on the host.</summary>
    public bool IsGreedy => Temperature <= 0 && !HasPenalties;

    /// <summary>True when any repetition, presence or frequency penalty is active.</summary>
    public bool HasPenalties => RepetitionPenalty != 1f || PresencePenalty != 0f || FrequencyPenalty != 0f;

    /// <summary>Checks every value and names the first one out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its documented range.</exception>
    public void Validate()
    {
        Check(float.IsFinite(Temperature), nameof(Temperature), Temperature, "a finite number");
        Check(TopK >= 0, nameof(TopK), TopK, ">= 0");
        Check(TopP > 0f && TopP <= 1f, nameof(TopP), TopP, "in (0, 1]");
        Check(MinP >= 0f && MinP < 1f, nameof(MinP), MinP, "in [0, 1)");
        Check(RepetitionPenalty > 0f && float.IsFinite(RepetitionPenalty), nameof(RepetitionPenalty), RepetitionPenalty, "> 0");
        Check(float.IsFinite(PresencePenalty), nameof(PresencePenalty), PresencePenalty, "a finite number");
        Check(float.IsFinite(FrequencyPenalty), nameof(FrequencyPenalty), FrequencyPenalty, "a finite number");
        Check(PenaltyWindow >= -1, nameof(PenaltyWindow), PenaltyWindow, ">= -1");
    }

    private static void Check(bool valid, string name, object value, string expected)
    {
        if (!valid)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected {expected}.");
        }
    }
}
