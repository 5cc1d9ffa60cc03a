using MetalCore.Bindings;

namespace MetalCore.Tests.Bindings;

/// <summary>Runs the generator on a header written to a temporary folder.</summary>
internal static class ScratchBindings
{
    /// <summary>
    /// The bindings of <paramref name="header"/> (saved as sample.h) with prefix t_, library
    /// "sample", functions in class Api and constants in class ApiConstants.
    /// </summary>
    public static string Generate(string header)
    {
        var clang = RequiredClang.Path();
        var directory = Directory.CreateTempSubdirectory("metalcore-bindings-");
        try
        {
            var path = Path.Combine(directory.FullName, "sample.h");
            File.WriteAllText(path, header);
            var options = new BindingsOptions(
                Namespace: "Sample.Interop", Class: "Api", ConstantsClass: "ApiConstants", Library: "sample",
                Prefix: "t_", Header: path, Output: Path.Combine(directory.FullName, "Api.g.cs"), Clang: null);
            return BindingsGenerator.Generate(options, clang);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
