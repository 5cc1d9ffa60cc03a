namespace MetalCore.Chat.Templates.Runtime;

/// <summary>How a run of statements ended: normally, or at a <c>{% break %}</c> or <c>{% continue %}</c>.</summary>
internal enum ControlFlow
{
    Normal,
    Break,
    Continue,
}
