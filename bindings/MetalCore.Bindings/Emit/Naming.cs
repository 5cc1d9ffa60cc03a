using System.Text;

namespace MetalCore.Bindings.Emit;

/// <summary>
/// C names to .NET names: the configured prefix is dropped from functions, types and
/// constants, words separated by '_' become PascalCase (camelCase for parameters), and enum
/// members lose the prefix all members of their enum share.
/// </summary>
internal sealed class Naming(string prefix)
{
    // Reserved C# keywords: a C parameter may legally be called "out" or "base".
    private static readonly HashSet<string> s_keywords =
    [
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    ];

    /// <summary>
    /// A struct, enum, function or #define constant: mc_context_options -> ContextOptions,
    /// MC_ABI_VERSION -> AbiVersion.
    /// </summary>
    public string Declaration(string cName) => Pascal(WithoutPrefix(cName));

    /// <summary>A struct field: struct_size -> StructSize.</summary>
    public static string Field(string cName) => Pascal(cName);

    /// <summary>A parameter: device_index -> deviceIndex; out -> @out.</summary>
    public static string Parameter(string cName)
    {
        var pascal = Pascal(cName);
        var camel = char.ToLowerInvariant(pascal[0]) + pascal[1..];
        return s_keywords.Contains(camel) ? "@" + camel : camel;
    }

    /// <summary>
    /// An enum's members without the words they all start with: MC_DTYPE_Q4_0 -> Q4_0,
    /// MC_DTYPE_BF16 -> Bf16. At least one word stays, and no name may start with a digit.
    /// </summary>
    public static IReadOnlyList<string> EnumMembers(IReadOnlyList<string> cNames)
    {
        var words = cNames.Select(name => name.Split('_')).ToList();
        var mostShared = words.Min(w => w.Length) - 1;
        var shared = 0;
        while (shared < mostShared && words.All(w => w[shared] == words[0][shared]))
        {
            shared++;
        }
        while (shared > 0 && words.Any(w => char.IsAsciiDigit(w[shared][0])))
        {
            shared--;
        }
        return words.Select(w => Pascal(string.Join('_', w[shared..]))).ToList();
    }

    /// <summary>
    /// snake_case or UPPER_CASE words to PascalCase. An all-capitals word is lowered after its
    /// first letter (BF16 -> Bf16); '_' stays between two digits so Q4_0 does not become Q40.
    /// </summary>
    public static string Pascal(string cName)
    {
        var result = new StringBuilder();
        foreach (var word in cName.Split('_', StringSplitOptions.RemoveEmptyEntries))
        {
            if (result.Length > 0 && char.IsAsciiDigit(result[^1]) && char.IsAsciiDigit(word[0]))
            {
                result.Append('_');
            }
            result.Append(char.ToUpperInvariant(word[0]));
            result.Append(word.Any(char.IsLower) ? word[1..] : word[1..].ToLowerInvariant());
        }
        return result.ToString();
    }

    private string WithoutPrefix(string cName) =>
        cName.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && cName.Length > prefix.Length
            ? cName[prefix.Length..]
            : cName;
}
