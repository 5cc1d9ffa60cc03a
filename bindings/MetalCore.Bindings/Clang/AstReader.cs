using System.Text.Json;
using System.Text.Json.Nodes;

namespace MetalCore.Bindings.Clang;

/// <summary>
/// Reads clang's JSON AST into <see cref="AstNode"/>s with resolved source ranges.
/// </summary>
/// <remarks>
/// clang prints a location's "file" (and "line") only when it differs from the previously
/// printed location, in print order. Every location object has an "offset", so this reader
/// walks the whole document in order, remembering the last file seen, exactly as clang's
/// JSONNodeDumper remembers the last file printed. Objects without an offset (such as
/// "includedFrom") are not locations and do not change the current file.
/// </remarks>
internal sealed class AstReader
{
    // clang nests two JSON levels per AST level; deep expressions in system headers exceed the default 64.
    private static readonly JsonDocumentOptions s_options = new() { MaxDepth = 100_000 };

    private string _currentFile = "";

    private AstReader()
    {
    }

    /// <summary>Parses the output of <c>clang -Xclang -ast-dump=json</c>: the translation unit.</summary>
    public static AstNode Read(string json) =>
        new AstReader().ReadNode(JsonNode.Parse(json, documentOptions: s_options)!.AsObject());

    private AstNode ReadNode(JsonObject json)
    {
        SourceRange? range = null;
        var inner = new List<AstNode>();
        foreach (var (name, value) in json)
        {
            switch (name)
            {
                case "range":
                    range = ReadRange(value!.AsObject());
                    break;
                case "inner":
                    inner.AddRange(value!.AsArray().Select(child => ReadNode(child!.AsObject())));
                    break;
                default:
                    Visit(value);
                    break;
            }
        }
        return new AstNode(json, range, inner);
    }

    private SourceRange? ReadRange(JsonObject range)
    {
        var begin = ReadLocation(range["begin"]!.AsObject());
        var end = ReadLocation(range["end"]!.AsObject());
        return begin is { } b && end is { } e ? new SourceRange(b.File, b.Offset, e.Offset + e.TokenLength) : null;
    }

    // A location inside a macro expansion has a spelling and an expansion location, printed in
    // that order; the expansion location is where the code stands in the file being read.
    private Location? ReadLocation(JsonObject location)
    {
        if (location["expansionLoc"] is JsonObject expansion)
        {
            Visit(location["spellingLoc"]);
            return ReadBareLocation(expansion);
        }
        return ReadBareLocation(location);
    }

    private Location? ReadBareLocation(JsonObject location)
    {
        if (location["offset"] is not { } offset)
        {
            Visit(location);
            return null;
        }
        if (location["file"] is { } file)
        {
            _currentFile = file.GetValue<string>();
        }
        return new Location(_currentFile, offset.GetValue<int>(), location["tokLen"]?.GetValue<int>() ?? 0);
    }

    // Walks a value only to keep the current file up to date.
    private void Visit(JsonNode? value)
    {
        switch (value)
        {
            case JsonObject location when location.ContainsKey("offset"):
                ReadBareLocation(location);
                break;
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Visit(child);
                }
                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Visit(child);
                }
                break;
        }
    }

    private readonly record struct Location(string File, int Offset, int TokenLength);
}
