using System.Text;
using System.Text.Json;

namespace MetalCore.Tokenization;

/// <summary>What a tokenizer.json <c>pre_tokenizer</c> asks for, in this library's terms.</summary>
/// <param name="Patterns">The split regexes, in order, as llama.cpp spells them (see <see cref="PreTokenizer.FromPatterns"/>).</param>
/// <param name="ByteLevel">Tokens spell bytes with GPT-2's byte alphabet (a <c>ByteLevel</c> step).</param>
/// <param name="EscapeSpaces">Spaces become '▁' (a <c>Metaspace</c> step).</param>
/// <param name="SpacePrefix">Where the <c>Metaspace</c> step puts a '▁' before the text.</param>
internal sealed record HfPreTokenization(IReadOnlyList<string> Patterns, bool ByteLevel, bool EscapeSpaces, SpacePrefix SpacePrefix);

/// <summary>
/// Reads a tokenizer.json <c>pre_tokenizer</c>. Supported: <c>Sequence</c>, <c>Split</c> (regex or
/// string, behavior <c>Isolated</c>), <c>ByteLevel</c> (without a prefix space), <c>Digits</c>,
/// <c>Metaspace</c>. A split regex runs as llama.cpp runs it: the regexes llama.cpp has scanners
/// for (GPT-2's, Llama 3's) get those scanners, so a model reads the same from its tokenizer.json
/// as from its GGUF conversion.
/// </summary>
internal static class HfPreTokenizer
{
    // Hugging Face files spell the contractions with a case-insensitive group, which llama.cpp's
    // regex engine lacks; llama.cpp's lists spell both cases out instead.
    private const string CaseInsensitiveContractions = "(?i:'s|'t|'re|'ve|'m|'ll|'d)";
    private const string SpelledOutContractions = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";

    // GPT-2's regex as ByteLevel and tokenizer.json files have it ends in "|\s+", which llama.cpp's
    // form leaves out: what it would match is whitespace its scanner makes a word of anyway.
    private const string Gpt2WithTrailingWhitespace = Gpt2SplitRule.Pattern + @"|\s+";

    /// <summary>HF Metaspace with split: every '▁' starts a new word (Hugging Face's MergedWithNext).</summary>
    private const string MetaspaceWords = "[^\u2581]+|\u2581[^\u2581]*";

    /// <exception cref="MetalCore.ModelFiles.ModelFileException">The pre-tokenizer is malformed or not supported.</exception>
    public static HfPreTokenization Read(HfJson json, JsonElement root)
    {
        var reader = new Reader(json);
        if (HfJson.TryGet(root, "pre_tokenizer", out var preTokenizer))
        {
            reader.Add(preTokenizer, "pre_tokenizer");
        }
        try
        {
            _ = PreTokenizer.FromPatterns(reader.Patterns); // compile once here so that a bad regex is reported against the file
        }
        catch (ArgumentException e)
        {
            throw json.Unsupported($"pre_tokenizer: a split regex cannot be run: {e.Message}");
        }
        return new HfPreTokenization(reader.Patterns, reader.ByteLevel, reader.EscapeSpaces, reader.SpacePrefix);
    }

    /// <summary>HF's spelling of a split regex turned into llama.cpp's.</summary>
    internal static string ToLlamaCppPattern(string regex) =>
        regex == Gpt2WithTrailingWhitespace
            ? Gpt2SplitRule.Pattern
            : regex.Replace(CaseInsensitiveContractions, SpelledOutContractions, StringComparison.Ordinal);

    private sealed class Reader(HfJson json)
    {
        public List<string> Patterns { get; } = [];
        public bool ByteLevel { get; private set; }
        public bool EscapeSpaces { get; private set; }
        public SpacePrefix SpacePrefix { get; private set; }

        public void Add(JsonElement step, string where)
        {
            var type = json.TypeOf(step, where);
            switch (type)
            {
                case "Sequence":
                    var steps = json.Array(json.Require(step, "pretokenizers", where), $"{where}.pretokenizers");
                    var index = 0;
                    foreach (var inner in steps.EnumerateArray())
                    {
                        Add(inner, $"{where}.pretokenizers[{index++}]");
                    }
                    break;
                case "Split":
                    AddSplit(step, where);
                    break;
                case "ByteLevel":
                    if (json.OptionalBoolean(step, "add_prefix_space", where) == true)
                    {
                        throw json.Unsupported($"{where}: ByteLevel with add_prefix_space true is not supported.");
                    }
                    if (json.OptionalBoolean(step, "use_regex", where) ?? true)
                    {
                        Patterns.Add(Gpt2SplitRule.Pattern);
                    }
                    ByteLevel = true;
                    break;
                case "Digits":
                    Patterns.Add(json.OptionalBoolean(step, "individual_digits", where) == true ? @"\p{N}" : @"\p{N}+");
                    break;
                case "Metaspace":
                    AddMetaspace(step, where);
                    break;
                default:
                    throw json.Unsupported(
                        $"{where}: pre-tokenizer type '{type}' is not supported; supported: Sequence, Split, ByteLevel, Digits, Metaspace.");
            }
        }

        private void AddSplit(JsonElement step, string where)
        {
            var behavior = json.OptionalString(step, "behavior", where);
            if (behavior != "Isolated" || json.OptionalBoolean(step, "invert", where) == true)
            {
                throw json.Unsupported($"{where}: Split with behavior '{behavior}' is not supported; supported: behavior Isolated, invert false.");
            }
            var pattern = json.Object(json.Require(step, "pattern", where), $"{where}.pattern");
            if (HfJson.TryGet(pattern, "Regex", out var regex))
            {
                Patterns.Add(ToLlamaCppPattern(json.String(regex, $"{where}.pattern.Regex")));
            }
            else if (HfJson.TryGet(pattern, "String", out var literal))
            {
                Patterns.Add(Escape(json.String(literal, $"{where}.pattern.String")));
            }
            else
            {
                throw json.Wrong($"{where}.pattern", pattern, "{\"Regex\": ...} or {\"String\": ...}");
            }
        }

        private void AddMetaspace(JsonElement step, string where)
        {
            var replacement = json.OptionalString(step, "replacement", where) ?? "\u2581";
            if (replacement != "\u2581")
            {
                throw json.Unsupported($"{where}: Metaspace with replacement '{replacement}' is not supported; supported: '\u2581'.");
            }
            var scheme = json.OptionalString(step, "prepend_scheme", where)
                ?? (json.OptionalBoolean(step, "add_prefix_space", where) ?? true ? "always" : "never");
            SpacePrefix = scheme switch
            {
                "always" => SpacePrefix.EveryFragment,
                "first" => SpacePrefix.FirstFragment,
                "never" => SpacePrefix.Never,
                _ => throw json.Unsupported($"{where}.prepend_scheme '{scheme}' is not supported; supported: always, first, never."),
            };
            EscapeSpaces = true;
            if (json.OptionalBoolean(step, "split", where) ?? true)
            {
                Patterns.Add(MetaspaceWords);
            }
        }

        /// <summary>A literal as a regex (the split string of a <c>{"String": ...}</c> pattern).</summary>
        private static string Escape(string literal)
        {
            var builder = new StringBuilder(literal.Length * 2);
            foreach (var c in literal)
            {
                if (@"\^$.|?*+()[]{}/".Contains(c))
                {
                    builder.Append('\\');
                }
                builder.Append(c);
            }
            return builder.ToString();
        }
    }
}
