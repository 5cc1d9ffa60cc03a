using System.Text.Json.Nodes;

namespace MetalCore.Bindings.Clang;

/// <summary>
/// One node of clang's JSON AST (<c>-Xclang -ast-dump=json</c>) with its source range resolved:
/// the JSON itself leaves out a location's file when it equals the previous one, so the file is
/// only known after reading everything printed before (see <see cref="AstReader"/>).
/// </summary>
/// <param name="Json">The node's own JSON object (kind, name, type...).</param>
/// <param name="Range">Where the node is written in the source; null for implicit nodes.</param>
/// <param name="Inner">The child nodes, in source order.</param>
internal sealed record AstNode(JsonObject Json, SourceRange? Range, IReadOnlyList<AstNode> Inner)
{
    /// <summary>The node kind, e.g. FunctionDecl.</summary>
    public string? Kind => String("kind");

    /// <summary>The declared name, if any.</summary>
    public string? Name => String("name");

    /// <summary>The type as clang prints it, e.g. <c>const mc_tensor *</c>.</summary>
    public string? QualType => Json["type"]?["qualType"]?.GetValue<string>();

    /// <summary>A string property of the node.</summary>
    public string? String(string property) => Json[property]?.GetValue<string>();

    /// <summary>True when a boolean property is present and true.</summary>
    public bool Flag(string property) => Json[property]?.GetValue<bool>() == true;

    /// <summary>This node and its descendants, depth first in source order.</summary>
    public IEnumerable<AstNode> DescendantsAndSelf() => Inner.SelectMany(child => child.DescendantsAndSelf()).Prepend(this);
}

/// <summary>
/// A source range: the file (as clang names it) and UTF-8 byte offsets in that file.
/// </summary>
/// <param name="File">The file containing the range's start (for code from a macro: where the macro is used).</param>
/// <param name="Begin">Offset of the first byte of the first token.</param>
/// <param name="End">Offset just past the last token.</param>
internal readonly record struct SourceRange(string File, int Begin, int End);
