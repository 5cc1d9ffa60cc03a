using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using MetalCore.Bindings.Clang;
using MetalCore.Interop;

namespace MetalCore.Tests.Bindings;

/// <summary>
/// The generated structs and enums have the sizes, field offsets and signedness the C compiler
/// gives the header's types: clang compiles and runs a small C program that prints them.
/// </summary>
[TestFixture]
public class StructLayoutTests
{
    private static readonly string[] s_requiredStructs = ["ContextOptions", "Tensor", "ContextStats", "ProfileEntry"];

    [Test]
    public void GeneratedStructsAndEnumsMatchTheCLayout()
    {
        var clang = RequiredClang.Path();
        var options = MetalCoreBindings.Options;
        var source = MetalCoreBindings.CommittedSource;
        var assembly = typeof(NativeMethods).Assembly;
        Type Generated(Match match) => assembly.GetType($"{options.Namespace}.{match.Groups[1].Value}", throwOnError: true)!;
        // Opaque handles have no fields and no C size.
        var structs = Regex.Matches(source, @"^internal (?:unsafe )?partial struct (\w+)$", RegexOptions.Multiline)
            .Select(Generated)
            .Where(type => Fields(type).Length > 0)
            .ToList();
        var enums = Regex.Matches(source, @"^internal enum (\w+) : \w+$", RegexOptions.Multiline).Select(Generated).ToList();
        Assert.That(structs.Select(type => type.Name), Is.SupersetOf(s_requiredStructs));

        string CName(Type type) => options.Prefix + Snake(type.Name);
        var probe = new StringBuilder();
        foreach (var type in structs)
        {
            probe.Append($"    printf(\"size {CName(type)} %zu\\n\", sizeof({CName(type)}));\n");
            foreach (var field in Fields(type))
            {
                probe.Append($"    printf(\"offset {CName(type)} {Snake(field.Name)} %zu\\n\", offsetof({CName(type)}, {Snake(field.Name)}));\n");
            }
        }
        foreach (var type in enums)
        {
            probe.Append($"    printf(\"size {CName(type)} %zu\\n\", sizeof({CName(type)}));\n");
            probe.Append($"    printf(\"signed {CName(type)} %d\\n\", ({CName(type)})-1 < 0);\n");
        }
        var c = RunProbe(clang, options.Header, probe.ToString());

        var mismatches = new List<string>();
        void Expect(string key, long managed, string how)
        {
            if (!c.TryGetValue(key, out var native) || native != managed)
            {
                mismatches.Add($"{key}: C {(c.ContainsKey(key) ? native : "?")}, C# {managed} ({how})");
            }
        }
        foreach (var type in structs)
        {
            Expect($"size {CName(type)}", Marshal.SizeOf(type), "Marshal.SizeOf");
            Expect($"size {CName(type)}", ManagedSize(type), "Unsafe.SizeOf");
            foreach (var field in Fields(type))
            {
                Expect($"offset {CName(type)} {Snake(field.Name)}", Marshal.OffsetOf(type, field.Name), "Marshal.OffsetOf");
            }
        }
        foreach (var type in enums)
        {
            var underlying = Enum.GetUnderlyingType(type);
            Expect($"size {CName(type)}", Marshal.SizeOf(underlying), underlying.Name);
            Expect($"signed {CName(type)}", underlying == typeof(int) || underlying == typeof(long) ? 1 : 0, underlying.Name);
        }
        Assert.That(mismatches, Is.Empty);
    }

    private static FieldInfo[] Fields(Type type) => type.GetFields(BindingFlags.Instance | BindingFlags.Public);

    // The inverse of the generator's PascalCase, enough for this header's names: ContextOptions -> context_options.
    private static string Snake(string pascal) => Regex.Replace(pascal, "(?<=.)([A-Z])", "_$1").ToLowerInvariant();

    // sizeof(T) as the runtime lays T out, which DisableRuntimeMarshalling makes the size used in calls.
    private static int ManagedSize(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    private static Dictionary<string, long> RunProbe(string clang, string header, string statements)
    {
        var directory = Directory.CreateTempSubdirectory("metalcore-layout-");
        try
        {
            var program = Path.Combine(directory.FullName, "probe.c");
            var executable = Path.Combine(directory.FullName, "probe");
            File.WriteAllText(program,
                $"#include <stddef.h>\n#include <stdio.h>\n#include \"{header}\"\n\nint main(void)\n{{\n{statements}    return 0;\n}}\n");
            ClangTool.Run(clang, "-std=c11", "-o", executable, program);
            using var process = Process.Start(new ProcessStartInfo(executable) { RedirectStandardOutput = true })!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, "the layout probe failed");
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .ToDictionary(line => line[..line.LastIndexOf(' ')], line => long.Parse(line[(line.LastIndexOf(' ') + 1)..]));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
