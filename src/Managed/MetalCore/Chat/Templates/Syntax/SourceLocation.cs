namespace MetalCore.Chat.Templates.Syntax;

/// <summary>A position in the template source: line and column, both from 1.</summary>
internal readonly record struct SourceLocation(int Line, int Column)
{
    public override string ToString() => $"line {Line}, column {Column}";
}
