using System.Text.RegularExpressions;

namespace MetalCore.Tests.Bindings;

/// <summary>
/// Checks of the committed bindings against the header's text, independent of the generator
/// (and of clang): every exported function is bound, through LibraryImport only.
/// </summary>
[TestFixture]
public class GeneratedBindingsTests
{
    [Test]
    public void BindingsUseLibraryImportOnly()
    {
        var source = MetalCoreBindings.CommittedSource;

        Assert.That(source, Does.Not.Contain("DllImport"));
        Assert.That(Regex.Count(source, @"^    \[LibraryImport\(", RegexOptions.Multiline),
            Is.EqualTo(Regex.Count(source, @"^    public static partial ", RegexOptions.Multiline)));
    }

    [Test]
    public void EveryFunctionOfTheHeaderIsBound()
    {
        var header = File.ReadAllText(MetalCoreBindings.Options.Header);
        var functions = Regex.Matches(header, @"^MC_API\b[^;(]*?\b(\w+)\s*\(", RegexOptions.Multiline)
            .Select(match => match.Groups[1].Value)
            .ToList();
        var source = MetalCoreBindings.CommittedSource;

        Assert.That(functions, Does.Contain("mc_context_create"), "the header's MC_API functions were not found: has the header's style changed?");
        Assert.That(functions.Where(name => !source.Contains($"[LibraryImport(\"metal_core\", EntryPoint = \"{name}\")]")), Is.Empty,
            "functions of the header missing from the bindings");
        Assert.That(Regex.Count(source, @"\[LibraryImport\("), Is.EqualTo(functions.Count), "bindings for functions the header does not declare");
    }
}
