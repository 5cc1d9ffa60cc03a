using MetalCore.Bindings;
using MetalCore.Bindings.Clang;

// dotnet run --project bindings/MetalCore.Bindings -- bindings/metal_core.rsp [--check] [--clang <path>]
const string Usage = "usage: MetalCore.Bindings <options.rsp> [--check] [--clang <path>]";
string? responseFile = null;
string? clangOption = null;
var check = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--check":
            check = true;
            break;
        case "--clang" when i + 1 < args.Length:
            clangOption = args[++i];
            break;
        case var arg when responseFile == null && !arg.StartsWith("--", StringComparison.Ordinal):
            responseFile = arg;
            break;
        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}
if (responseFile == null)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

try
{
    var options = BindingsOptions.Load(responseFile);
    var generated = BindingsGenerator.Generate(options, ClangTool.Find(clangOption ?? options.Clang));
    var committed = File.Exists(options.Output) ? File.ReadAllText(options.Output) : "";
    if (check)
    {
        if (committed == generated)
        {
            Console.WriteLine($"{options.Output} is up to date with {options.Header}.");
            return 0;
        }
        Console.Error.WriteLine($"{options.Output} differs from what {options.Header} generates; "
            + "run `dotnet cake --target=Bindings` and commit the result.");
        Console.Error.WriteLine(DriftReport.Describe(committed, generated));
        return 1;
    }
    if (committed != generated)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(options.Output)!);
        File.WriteAllText(options.Output, generated);
    }
    Console.WriteLine($"Wrote {options.Output}.");
    return 0;
}
catch (BindingsException error)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 2;
}
