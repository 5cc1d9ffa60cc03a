using MetalCore.Sampling;

namespace MetalCore.Generation;

/// <summary>How long to generate and how to choose tokens.</summary>
public sealed record GenerationOptions
{
    /// <summary>Tokens to generate at most.</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>How each token is chosen (greedy by default).</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Texts that end the generation when produced (of any length in tokens); they are not
    /// part of the output.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>End at the model's end-of-generation tokens (EOS, end of turn).</summary>
    public bool StopAtEndOfGeneration { get; init; } = true;
}

/// <summary>Why a generation ended.</summary>
public enum FinishReason
{
    /// <summary>The model produced an end-of-generation token.</summary>
    EndOfGeneration,
    /// <summary>A stop sequence was produced.</summary>
    StopSequence,
    /// <summary>MaxTokens tokens were generated.</summary>
    MaxTokens,
    /// <summary>The context is full.</summary>
    ContextFull,
    /// <summary>The caller cancelled.</summary>
    Cancelled,
}

/// <summary>Counts and timings of one generation.</summary>
/// <param name="PromptTokens">Tokens of the prompt, reused ones included.</param>
/// <param name="GeneratedTokens">Tokens the model produced, an end-of-generation token included.</param>
/// <param name="PromptTime">Time to process the prompt and choose the first token.</param>
/// <param name="GenerationTime">Time to produce the tokens after the first.</param>
/// <param name="FinishReason">Why the generation ended.</param>
public sealed record GenerationStatistics(int PromptTokens, int GeneratedTokens, TimeSpan PromptTime, TimeSpan GenerationTime, FinishReason FinishReason)
{
    /// <summary>Prompt tokens whose keys and values were already in the cache (not processed again).</summary>
    public int ReusedPromptTokens { get; init; }

    /// <summary>Prompt tokens processed per second (reused ones are not processed).</summary>
    public double PromptTokensPerSecond => (PromptTokens - ReusedPromptTokens) / Math.Max(PromptTime.TotalSeconds, 1e-9);

    /// <summary>Tokens generated per second (after the first, which the prompt pass produces).</summary>
    public double GenerationTokensPerSecond => Math.Max(GeneratedTokens - 1, 0) / Math.Max(GenerationTime.TotalSeconds, 1e-9);
}
