namespace MetalCore.Bindings;

/// <summary>
/// The generator's configuration, read from a response file in the spirit of ClangSharp's
/// <c>.rsp</c> files: one <c>--option value</c> per line, <c>#</c> starts a comment line, and
/// paths are relative to the response file so it works from any current directory.
/// </summary>
internal sealed record BindingsOptions(
    string Namespace,
    string Class,
    string ConstantsClass,
    string Library,
    string Prefix,
    string Header,
    string Output,
    string? Clang)
{
    private static readonly string[] s_pathOptions = ["header", "output"];

    /// <summary>Reads a response file.</summary>
    public static BindingsOptions Load(string responseFile)
    {
        var fullPath = Path.GetFullPath(responseFile);
        if (!File.Exists(fullPath))
        {
            throw new BindingsException($"Response file '{fullPath}' not found.");
        }
        var baseDirectory = Path.GetDirectoryName(fullPath)!;
        var values = new Dictionary<string, string>();
        foreach (var rawLine in File.ReadAllLines(fullPath))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var parts = line.Split(' ', 2, StringSplitOptions.TrimEntries);
            if (!parts[0].StartsWith("--", StringComparison.Ordinal) || parts.Length != 2 || parts[1].Length == 0)
            {
                throw new BindingsException($"{fullPath}: expected '--option value', got '{line}'.");
            }
            var name = parts[0][2..];
            values[name] = s_pathOptions.Contains(name) ? Path.GetFullPath(Path.Combine(baseDirectory, parts[1])) : parts[1];
        }

        string Required(string name) => values.Remove(name, out var value)
            ? value
            : throw new BindingsException($"{fullPath}: option --{name} is missing.");

        var options = new BindingsOptions(
            Required("namespace"), Required("class"), Required("constants-class"), Required("library"),
            Required("prefix"), Required("header"), Required("output"), values.Remove("clang", out var clang) ? clang : null);
        if (values.Count > 0)
        {
            throw new BindingsException($"{fullPath}: unknown option --{values.Keys.First()}.");
        }
        return options;
    }
}
