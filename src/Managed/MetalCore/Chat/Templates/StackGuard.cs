using System.Runtime.CompilerServices;
using MetalCore.Chat.Templates.Syntax;

namespace MetalCore.Chat.Templates;

/// <summary>
/// Keeps deep templates and data from overflowing the stack, which would kill the process: every
/// recursive step of parsing, rendering and printing checks the stack first and fails as Python
/// does when it runs out of frames (jinja2 raises <c>RecursionError</c> for the same templates).
/// </summary>
internal static class StackGuard
{
    /// <summary>Fails unless enough stack is left for another level; <paramref name="location"/> is where the template was.</summary>
    public static void Ensure(SourceLocation? location = null)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new TemplateError(ChatTemplateErrorKind.Runtime, "maximum recursion depth exceeded: the template or its data nests too deeply")
            {
                Location = location,
            };
        }
    }
}
