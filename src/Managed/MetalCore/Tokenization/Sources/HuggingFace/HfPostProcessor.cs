using System.Text.Json;

namespace MetalCore.Tokenization;

/// <summary>The special tokens a tokenizer.json <c>post_processor</c> puts around a single sequence.</summary>
/// <param name="Leading">The token added before the text (BOS), if any.</param>
/// <param name="Trailing">The token added after the text (EOS), if any.</param>
internal sealed record HfSpecialTokenTemplate(int? Leading, int? Trailing);

/// <summary>
/// Reads which tokens a tokenizer.json <c>post_processor</c> adds around one sequence, the way
/// llama.cpp's converter reads it to set <c>add_bos_token</c> / <c>add_eos_token</c>. Supported:
/// <c>TemplateProcessing</c> (at most one special token on each side of <c>$A</c>),
/// <c>RobertaProcessing</c> and <c>BertProcessing</c> (cls before, sep after), <c>ByteLevel</c>
/// (adds nothing), and a <c>Sequence</c> of them.
/// </summary>
internal static class HfPostProcessor
{
    /// <exception cref="MetalCore.ModelFiles.ModelFileException">The post-processor is malformed or not supported.</exception>
    public static HfSpecialTokenTemplate Read(HfJson json, JsonElement root) =>
        HfJson.TryGet(root, "post_processor", out var processor)
            ? Of(json, processor, "post_processor")
            : new HfSpecialTokenTemplate(null, null);

    private static HfSpecialTokenTemplate Of(HfJson json, JsonElement processor, string where)
    {
        var type = json.TypeOf(processor, where);
        switch (type)
        {
            case "ByteLevel":
                return new HfSpecialTokenTemplate(null, null);
            case "TemplateProcessing":
                return Template(json, processor, where);
            case "RobertaProcessing" or "BertProcessing":
                return new HfSpecialTokenTemplate(PairId(json, processor, "cls", where), PairId(json, processor, "sep", where));
            case "Sequence":
                int? leading = null, trailing = null;
                var index = 0;
                foreach (var inner in json.Array(json.Require(processor, "processors", where), $"{where}.processors").EnumerateArray())
                {
                    var innerWhere = $"{where}.processors[{index++}]";
                    var added = Of(json, inner, innerWhere);
                    if ((added.Leading is not null && leading is not null) || (added.Trailing is not null && trailing is not null))
                    {
                        throw json.Unsupported($"{innerWhere}: more than one post-processor adds special tokens.");
                    }
                    leading ??= added.Leading;
                    trailing ??= added.Trailing;
                }
                return new HfSpecialTokenTemplate(leading, trailing);
            default:
                throw json.Unsupported(
                    $"{where}: post-processor type '{type}' is not supported; supported: TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel, Sequence.");
        }
    }

    /// <summary>The special tokens of the <c>single</c> template before and after the sequence <c>$A</c>.</summary>
    private static HfSpecialTokenTemplate Template(HfJson json, JsonElement processor, string where)
    {
        var single = json.Array(json.Require(processor, "single", where), $"{where}.single");
        var specialTokens = HfJson.TryGet(processor, "special_tokens", out var map) ? json.Object(map, $"{where}.special_tokens") : default;
        var before = new List<int>();
        var after = new List<int>();
        var seenSequence = false;
        var index = 0;
        foreach (var item in single.EnumerateArray())
        {
            var itemWhere = $"{where}.single[{index++}]";
            if (HfJson.TryGet(item, "Sequence", out _))
            {
                seenSequence = true;
            }
            else if (HfJson.TryGet(item, "SpecialToken", out var special))
            {
                var name = json.String(json.Require(special, "id", itemWhere), $"{itemWhere}.SpecialToken.id");
                (seenSequence ? after : before).AddRange(IdsOf(json, specialTokens, name, where));
            }
            else
            {
                throw json.Wrong(itemWhere, item, "{\"Sequence\": ...} or {\"SpecialToken\": ...}");
            }
        }
        if (before.Count > 1 || after.Count > 1)
        {
            throw json.Unsupported($"{where}.single: templates adding more than one token on a side are not supported.");
        }
        return new HfSpecialTokenTemplate(before.Count == 1 ? before[0] : null, after.Count == 1 ? after[0] : null);
    }

    private static IEnumerable<int> IdsOf(HfJson json, JsonElement specialTokens, string name, string where)
    {
        if (!HfJson.TryGet(specialTokens, name, out var entry))
        {
            throw json.Unsupported($"{where}.special_tokens has no entry for '{name}', which the template uses.");
        }
        var ids = json.Array(json.Require(entry, "ids", $"{where}.special_tokens.{name}"), $"{where}.special_tokens.{name}.ids");
        return ids.EnumerateArray().Select((id, i) => json.Int32(id, $"{where}.special_tokens.{name}.ids[{i}]")).ToArray();
    }

    /// <summary>A <c>["text", id]</c> pair such as Roberta's <c>cls</c>.</summary>
    private static int PairId(HfJson json, JsonElement processor, string key, string where)
    {
        var pair = json.Array(json.Require(processor, key, where), $"{where}.{key}");
        return pair.GetArrayLength() == 2
            ? json.Int32(pair[1], $"{where}.{key}[1]")
            : throw json.Wrong($"{where}.{key}", pair, "[\"token\", id]");
    }
}
