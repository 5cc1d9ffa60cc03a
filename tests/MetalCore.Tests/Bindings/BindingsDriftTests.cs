using System.Text;
using MetalCore.Bindings;

namespace MetalCore.Tests.Bindings;

/// <summary>The committed bindings are exactly what the header generates today.</summary>
[TestFixture]
public class BindingsDriftTests
{
    [Test]
    public void CommittedBindingsAreWhatTheHeaderGenerates()
    {
        var clang = RequiredClang.Path();
        var options = MetalCoreBindings.Options;

        var generated = BindingsGenerator.Generate(options, clang);
        var committed = File.ReadAllBytes(options.Output);

        Assert.That(committed.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(generated)),
            $"{options.Output} is out of date with {options.Header}. Regenerate it with `dotnet cake --target=Bindings` "
            + "(or `dotnet run --project bindings/MetalCore.Bindings -- bindings/metal_core.rsp`) and commit it.\n"
            + DriftReport.Describe(Encoding.UTF8.GetString(committed), generated));
    }
}
