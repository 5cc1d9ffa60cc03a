using MetalCore.Bindings.Clang;
using MetalCore.Bindings.Emit;
using MetalCore.Bindings.Model;

namespace MetalCore.Bindings;

/// <summary>Header in, C# out: the whole pipeline, without touching the output file.</summary>
internal static class BindingsGenerator
{
    /// <summary>Generates the bindings text for <paramref name="options"/> using the given clang executable.</summary>
    public static string Generate(BindingsOptions options, string clang)
    {
        if (!File.Exists(options.Header))
        {
            throw new BindingsException($"Header '{options.Header}' not found.");
        }
        var comments = DocComments.Scan(File.ReadAllBytes(options.Header));
        var ast = AstReader.Read(ClangTool.Run(clang, "-Xclang", "-ast-dump=json", "-fsyntax-only", "-x", "c", options.Header));
        var macros = MacroReader.Read(ClangTool.Run(clang, "-E", "-dD", "-x", "c", options.Header), options.Header);
        var declarations = HeaderReader.Read(ast, options.Header, comments).ToList();
        declarations.AddRange(
            from macro in macros
            where macro.Name.StartsWith(options.Prefix, StringComparison.OrdinalIgnoreCase)
            let value = IntegerLiteral.TryParse(macro.Value)
            where value != null
            select new CConstant(macro.Name, comments.ForLine(macro.Line), value));
        return CSharpWriter.Write(options, declarations);
    }
}
