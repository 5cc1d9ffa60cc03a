using MetalCore.Sampling;

namespace MetalCore.Tests.Chat;

/// <summary>Sampling settings of <see cref="ReferenceGeneration"/>, with the library's meanings and defaults.</summary>
public sealed record ReferenceSampling(
    float Temperature = 0f, int TopK = 0, float TopP = 1f, float MinP = 0f,
    float RepetitionPenalty = 1f, float PresencePenalty = 0f, float FrequencyPenalty = 0f,
    int PenaltyWindow = 64, ulong Seed = 0);

/// <summary>
/// Generation written from the definitions, independently of TextGenerator and TokenSampler: a
/// fresh session runs one forward pass per token and hands its logits to a plain LINQ
/// pipeline — penalties over the window (llama.cpp / OpenAI semantics), temperature, top-k,
/// softmax, top-p, min-p, then a draw with the library's documented seeded generator
/// (xoshiro256**, one uniform double per token) over the survivors in descending order.
/// </summary>
internal static class ReferenceGeneration
{
    /// <summary>The tokens chosen after <paramref name="prompt"/>: <paramref name="count"/> of them, or
    /// fewer when an end-of-generation token comes first (it is included).</summary>
    public static List<int> Tokens(LanguageModel model, int[] prompt, int count, ReferenceSampling sampling)
    {
        using var session = model.CreateSession();
        var logits = new float[session.VocabularySize];
        var history = new List<int>(prompt);
        var random = new RandomSource(sampling.Seed);
        var produced = new List<int>();
        session.Append(prompt, logits);
        while (produced.Count < count)
        {
            var next = Choose(logits, history, sampling, random);
            produced.Add(next);
            history.Add(next);
            if (model.Tokenizer!.EndOfGenerationTokenIds.Contains(next))
            {
                break;
            }
            if (produced.Count < count)
            {
                session.Append([next], logits);
            }
        }
        return produced;
    }

    /// <summary>The text of generated tokens that continue a prompt (end-of-generation tokens are not text).</summary>
    public static string Text(LanguageModel model, IEnumerable<int> tokens)
    {
        var tokenizer = model.Tokenizer!;
        var decoder = tokenizer.CreateStreamingDecoder(atStartOfText: false);
        var text = string.Concat(tokens.Where(t => !tokenizer.EndOfGenerationTokenIds.Contains(t)).Select(decoder.Append));
        return text + decoder.Flush();
    }

    private static int Choose(float[] modelLogits, List<int> history, ReferenceSampling s, RandomSource random)
    {
        var logits = (float[])modelLogits.Clone();
        var window = s.PenaltyWindow < 0 ? history.Count : Math.Min(s.PenaltyWindow, history.Count);
        foreach (var seen in history.Skip(history.Count - window).GroupBy(t => t))
        {
            var logit = logits[seen.Key];
            logit = logit > 0 ? logit / s.RepetitionPenalty : logit * s.RepetitionPenalty;
            logits[seen.Key] = logit - (seen.Count() * s.FrequencyPenalty + s.PresencePenalty);
        }
        if (s.Temperature <= 0)
        {
            return Array.IndexOf(logits, logits.Max());
        }
        var ranked = logits.Select((logit, id) => (Id: id, Logit: logit / s.Temperature))
            .OrderByDescending(c => c.Logit)
            .Take(s.TopK > 0 ? s.TopK : logits.Length)
            .ToList();
        var weights = ranked.Select(c => Math.Exp(c.Logit - ranked[0].Logit)).ToList();
        var probabilities = weights.Select(w => w / weights.Sum()).ToList();
        var kept = probabilities.Count;
        if (s.TopP < 1f)
        {
            var cumulative = 0.0;
            kept = 1 + probabilities.TakeWhile(p => (cumulative += p) < s.TopP).Count();
            kept = Math.Min(kept, probabilities.Count);
        }
        if (s.MinP > 0f)
        {
            kept = probabilities.Take(kept).TakeWhile(p => p >= s.MinP * probabilities[0]).Count();
        }
        var target = random.NextDouble() * probabilities.Take(kept).Sum();
        var sum = 0.0;
        for (var i = 0; i < kept; i++)
        {
            sum += probabilities[i];
            if (target < sum)
            {
                return ranked[i].Id;
            }
        }
        return ranked[kept - 1].Id;
    }
}
