using System.Text;
using System.Text.Json;

namespace MetalCore.Tokenization;

/// <summary>
/// A tokenizer.json <c>normalizer</c> as a function applied to each stretch of text between
/// added tokens, as Hugging Face applies it. Supported: <c>Sequence</c>, <c>Prepend</c>,
/// <c>Replace</c> (of a plain string), <c>NFC</c>, <c>NFD</c>, <c>NFKC</c>, <c>NFKD</c>, <c>Lowercase</c>.
/// </summary>
internal static class HfNormalizer
{
    /// <returns>The normalization, or null when the tokenizer has none.</returns>
    /// <exception cref="MetalCore.ModelFiles.ModelFileException">The normalizer is malformed or not supported.</exception>
    public static Func<string, string>? Read(HfJson json, JsonElement root)
    {
        return HfJson.TryGet(root, "normalizer", out var normalizer) ? Of(json, normalizer, "normalizer") : null;
    }

    private static Func<string, string> Of(HfJson json, JsonElement normalizer, string where)
    {
        var type = json.TypeOf(normalizer, where);
        switch (type)
        {
            case "Sequence":
                var steps = json.Array(json.Require(normalizer, "normalizers", where), $"{where}.normalizers")
                    .EnumerateArray()
                    .Select((step, i) => Of(json, step, $"{where}.normalizers[{i}]"))
                    .ToArray();
                return text => steps.Aggregate(text, (current, step) => step(current));
            case "Prepend":
                var prefix = json.String(json.Require(normalizer, "prepend", where), $"{where}.prepend");
                return text => text.Length == 0 ? text : prefix + text; // Hugging Face leaves empty text alone
            case "Replace":
                if (!HfJson.TryGet(json.Require(normalizer, "pattern", where), "String", out var pattern))
                {
                    throw json.Unsupported($"{where}: a Replace normalizer with a regex pattern is not supported (only {{\"String\": ...}} patterns are).");
                }
                var from = json.String(pattern, $"{where}.pattern.String");
                var to = json.String(json.Require(normalizer, "content", where), $"{where}.content");
                return from.Length == 0 ? text => text : text => text.Replace(from, to, StringComparison.Ordinal);
            case "NFC":
                return text => Normalize(text, NormalizationForm.FormC);
            case "NFD":
                return text => Normalize(text, NormalizationForm.FormD);
            case "NFKC":
                return text => Normalize(text, NormalizationForm.FormKC);
            case "NFKD":
                return text => Normalize(text, NormalizationForm.FormKD);
            case "Lowercase":
                return text => text.ToLowerInvariant();
            default:
                throw json.Unsupported(
                    $"{where}: normalizer type '{type}' is not supported; supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase.");
        }
    }

    /// <summary>Unicode normalization; a lone surrogate (not valid text) becomes U+FFFD first, as invalid UTF-8 does in Hugging Face.</summary>
    private static string Normalize(string text, NormalizationForm form)
    {
        var valid = text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') && !IsValidUtf16(text)
            ? string.Concat(text.EnumerateRunes()) // the enumerator yields U+FFFD for a lone surrogate
            : text;
        return valid.Normalize(form);
    }

    private static bool IsValidUtf16(string text)
    {
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }
            i += consumed;
        }
        return true;
    }
}
