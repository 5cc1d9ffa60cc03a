using System.Text.Json;

namespace MetalCore.Tokenization;

/// <summary>
/// Reads a tokenizer.json <c>decoder</c> and checks that decoding as this library does it (see
/// <see cref="TokenPieces"/>) is what it describes: <c>ByteLevel</c> for byte-level vocabularies;
/// for SentencePiece-style ones the '▁'-to-space step (<c>Replace</c> or <c>Metaspace</c>) with
/// any of <c>ByteFallback</c>, <c>Fuse</c> and <c>Strip</c> of leading spaces.
/// </summary>
internal static class HfDecoder
{
    /// <returns>Which leading space decoding drops.</returns>
    /// <exception cref="MetalCore.ModelFiles.ModelFileException">The decoder is malformed, not supported, or does not fit the vocabulary.</exception>
    public static LeadingSpace Read(HfJson json, JsonElement root, bool byteLevel)
    {
        if (!HfJson.TryGet(root, "decoder", out var decoder))
        {
            throw json.Unsupported("decoder: a tokenizer without a decoder is not supported.");
        }
        var steps = new List<(string Type, JsonElement Step, string Where)>();
        Flatten(json, decoder, "decoder", steps);

        if (byteLevel)
        {
            return steps is [("ByteLevel", _, _)]
                ? LeadingSpace.Keep
                : throw json.Unsupported("decoder: a byte-level tokenizer must have the ByteLevel decoder.");
        }

        var spacesRestored = false;
        var leadingSpace = LeadingSpace.Keep;
        foreach (var (type, step, where) in steps)
        {
            switch (type)
            {
                case "Replace":
                    var from = HfJson.TryGet(json.Require(step, "pattern", where), "String", out var pattern) ? json.String(pattern, $"{where}.pattern.String") : null;
                    var to = json.OptionalString(step, "content", where);
                    if (from != "\u2581" || to != " ")
                    {
                        throw json.Unsupported($"{where}: only the Replace decoder of '\u2581' by ' ' is supported.");
                    }
                    spacesRestored = true;
                    break;
                case "Metaspace":
                    spacesRestored = true;
                    var scheme = json.OptionalString(step, "prepend_scheme", where)
                        ?? (json.OptionalBoolean(step, "add_prefix_space", where) ?? true ? "always" : "never");
                    leadingSpace = scheme == "never" ? leadingSpace : LeadingSpace.StripFromText;
                    break;
                case "Strip":
                    if (json.OptionalString(step, "content", where) != " " || (HfJson.TryGet(step, "stop", out var stop) && json.Int32(stop, $"{where}.stop") != 0))
                    {
                        throw json.Unsupported($"{where}: only the Strip decoder of leading spaces (content ' ', stop 0) is supported.");
                    }
                    var start = HfJson.TryGet(step, "start", out var count) ? json.Int32(count, $"{where}.start") : 0;
                    leadingSpace = start switch
                    {
                        0 => leadingSpace,
                        1 => LeadingSpace.StripFromText,
                        _ => throw json.Unsupported($"{where}: a Strip decoder of {start} leading spaces is not supported (only 1)."),
                    };
                    break;
                case "ByteFallback" or "Fuse":
                    break; // byte tokens decode to their byte, and pieces are always joined
                default:
                    throw json.Unsupported(
                        $"{where}: decoder type '{type}' is not supported; supported: ByteLevel, or Replace/Metaspace with ByteFallback, Fuse and Strip.");
            }
        }
        return spacesRestored
            ? leadingSpace
            : throw json.Unsupported("decoder: a SentencePiece-style tokenizer must turn '\u2581' back into spaces (a Replace or Metaspace decoder).");
    }

    private static void Flatten(HfJson json, JsonElement decoder, string where, List<(string, JsonElement, string)> steps)
    {
        var type = json.TypeOf(decoder, where);
        if (type != "Sequence")
        {
            steps.Add((type, decoder, where));
            return;
        }
        var index = 0;
        foreach (var inner in json.Array(json.Require(decoder, "decoders", where), $"{where}.decoders").EnumerateArray())
        {
            Flatten(json, inner, $"{where}.decoders[{index++}]", steps);
        }
    }
}
