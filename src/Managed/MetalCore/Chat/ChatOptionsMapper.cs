using System.Globalization;
using System.Text.Json;
using MetalCore.Generation;
using Microsoft.Extensions.AI;

namespace MetalCore.Chat;

/// <summary>
/// Turns a request's <see cref="ChatOptions"/> into <see cref="GenerationOptions"/>: every field
/// that means something for local generation is honoured, the rest are refused when ignoring
/// them would silently change the answer (tools, JSON output).
/// </summary>
internal static class ChatOptionsMapper
{
    /// <summary><c>AdditionalProperties</c> key of min-p sampling (llama.cpp's name).</summary>
    public const string MinPKey = "min_p";
    /// <summary><c>AdditionalProperties</c> key of the repetition penalty (llama.cpp's name; Hugging Face's "repetition_penalty" works too).</summary>
    public const string RepeatPenaltyKey = "repeat_penalty";
    /// <summary><c>AdditionalProperties</c> key of the penalty window in tokens, -1 = all (llama.cpp's name; "penalty_window" works too).</summary>
    public const string RepeatLastNKey = "repeat_last_n";
    /// <summary><c>AdditionalProperties</c> key of extra chat template variables (llama.cpp server's name).</summary>
    public const string TemplateKwargsKey = "chat_template_kwargs";

    public static GenerationOptions ToGeneration(ChatOptions? options, GenerationOptions defaults, string modelId)
    {
        if (options is null)
        {
            return defaults;
        }
        if (options.ModelId is { } requested && !string.Equals(requested, modelId, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"ChatOptions.ModelId is '{requested}', but this client runs the model '{modelId}'. Leave ModelId unset, "
                + "or create a MetalCoreChatClient for that model (MetalCoreChatClientOptions.ModelId names a client's model).", nameof(options));
        }
        if (options.Tools is { Count: > 0 })
        {
            throw new NotSupportedException("MetalCoreChatClient does not call tools: ChatOptions.Tools must be empty.");
        }
        if (options.ResponseFormat is ChatResponseFormatJson)
        {
            throw new NotSupportedException("MetalCoreChatClient does not constrain output to JSON: ChatOptions.ResponseFormat must be null or Text.");
        }
        var sampling = defaults.Sampling;
        var extra = options.AdditionalProperties;
        sampling = sampling with
        {
            Temperature = options.Temperature ?? sampling.Temperature,
            TopP = options.TopP ?? sampling.TopP,
            TopK = options.TopK ?? sampling.TopK,
            FrequencyPenalty = options.FrequencyPenalty ?? sampling.FrequencyPenalty,
            PresencePenalty = options.PresencePenalty ?? sampling.PresencePenalty,
            // Seeds are bit patterns: a negative long keeps its 64 bits.
            Seed = options.Seed is { } seed ? unchecked((ulong)seed) : sampling.Seed,
            MinP = Number(extra, MinPKey) is { } minP ? (float)minP : sampling.MinP,
            RepetitionPenalty = (Number(extra, RepeatPenaltyKey) ?? Number(extra, "repetition_penalty")) is { } repeat
                ? (float)repeat : sampling.RepetitionPenalty,
            PenaltyWindow = (Number(extra, RepeatLastNKey) ?? Number(extra, "penalty_window")) is { } window
                ? Integer(window, RepeatLastNKey) : sampling.PenaltyWindow,
        };
        sampling.Validate();
        if (options.MaxOutputTokens is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxOutputTokens,
                $"ChatOptions.MaxOutputTokens is {options.MaxOutputTokens}; expected a positive number of tokens.");
        }
        return defaults with
        {
            MaxTokens = options.MaxOutputTokens ?? defaults.MaxTokens,
            Sampling = sampling,
            StopSequences = options.StopSequences is { Count: > 0 } stops ? [.. defaults.StopSequences, .. stops] : defaults.StopSequences,
        };
    }

    /// <summary>The request's extra template variables (<c>chat_template_kwargs</c>), or null.</summary>
    public static IReadOnlyDictionary<string, object?>? TemplateVariables(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { } extra || !extra.TryGetValue(TemplateKwargsKey, out var value) || value is null)
        {
            return null;
        }
        return value switch
        {
            IEnumerable<KeyValuePair<string, object?>> pairs => pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            JsonElement { ValueKind: JsonValueKind.Object } json => json.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value, StringComparer.Ordinal),
            _ => throw new ArgumentException(
                $"ChatOptions.AdditionalProperties[\"{TemplateKwargsKey}\"] is a {value.GetType().Name}; expected a dictionary of template variables.", nameof(options)),
        };
    }

    // A numeric extra property, from any numeric type, a numeric string or a JSON number.
    private static double? Number(AdditionalPropertiesDictionary? extra, string key)
    {
        if (extra is null || !extra.TryGetValue(key, out var value) || value is null)
        {
            return null;
        }
        double? number = value switch
        {
            double d => d,
            float f => f,
            int i => i,
            long l => l,
            decimal m => (double)m,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            JsonElement { ValueKind: JsonValueKind.Number } json => json.GetDouble(),
            _ => null,
        };
        return number is { } n && double.IsFinite(n) ? n : throw new ArgumentException(
            $"ChatOptions.AdditionalProperties[\"{key}\"] is '{value}' ({value.GetType().Name}); expected a finite number.", nameof(extra));
    }

    private static int Integer(double value, string key) =>
        value == Math.Floor(value) && value is >= int.MinValue and <= int.MaxValue
            ? (int)value
            : throw new ArgumentException($"ChatOptions.AdditionalProperties[\"{key}\"] is {value}; expected a whole number of tokens (-1 = all).", key);
}
