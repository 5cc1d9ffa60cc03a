using System.Text.RegularExpressions;

namespace MetalCore.Bindings.Clang;

/// <summary>
/// Reads the object-like macros a header defines from <c>clang -E -dD</c> output: macros are
/// not part of the AST, and the preprocessor is the only reader that sees them as the compiler
/// does (conditionals resolved). The output's line markers tell which file and line each
/// <c>#define</c> comes from, so macros of system headers and clang's built-ins are left out.
/// </summary>
internal static partial class MacroReader
{
    /// <summary>Macros defined in <paramref name="header"/> (as named to clang), in source order.</summary>
    public static IReadOnlyList<Macro> Read(string preprocessed, string header)
    {
        var macros = new List<Macro>();
        var file = "";
        var line = 0;
        foreach (var text in preprocessed.Split('\n'))
        {
            if (LineMarker().Match(text) is { Success: true } marker)
            {
                // The marker names the line number of the line that follows it.
                line = int.Parse(marker.Groups["line"].Value) - 1;
                file = Regex.Unescape(marker.Groups["file"].Value);
                continue;
            }
            line++;
            if (file == header && ObjectLikeDefine().Match(text) is { Success: true } define)
            {
                macros.Add(new Macro(define.Groups["name"].Value, define.Groups["value"].Value.Trim(), line));
            }
        }
        return macros;
    }

    [GeneratedRegex("""^# (?<line>\d+) "(?<file>(?:[^"\\]|\\.)*)"(?: \d+)*\r?$""")]
    private static partial Regex LineMarker();

    // A function-like macro has '(' right after its name, so it does not match.
    [GeneratedRegex(@"^#define (?<name>\w+)(?: (?<value>.*?))?\r?$")]
    private static partial Regex ObjectLikeDefine();
}

/// <summary>An object-like macro.</summary>
/// <param name="Name">The macro name.</param>
/// <param name="Value">The replacement text.</param>
/// <param name="Line">The 1-based line of its #define in the header.</param>
internal sealed record Macro(string Name, string Value, int Line);
