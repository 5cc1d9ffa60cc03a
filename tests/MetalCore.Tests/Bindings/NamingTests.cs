using MetalCore.Bindings.Emit;

namespace MetalCore.Tests.Bindings;

[TestFixture]
public class NamingTests
{
    [TestCase("mc_context_create", ExpectedResult = "ContextCreate")]
    [TestCase("mc_context_options", ExpectedResult = "ContextOptions")]
    [TestCase("mc_status", ExpectedResult = "Status")]
    [TestCase("MC_ABI_VERSION", ExpectedResult = "AbiVersion")]
    [TestCase("other_name", ExpectedResult = "OtherName")]
    public string DeclarationsLoseThePrefix(string cName) => new Naming("mc_").Declaration(cName);

    [TestCase("struct_size", ExpectedResult = "StructSize")]
    [TestCase("last_device_time_us", ExpectedResult = "LastDeviceTimeUs")]
    public string FieldsArePascalCase(string cName) => Naming.Field(cName);

    [TestCase("device_index", ExpectedResult = "deviceIndex")]
    [TestCase("x", ExpectedResult = "x")]
    [TestCase("out", ExpectedResult = "@out")]
    [TestCase("base", ExpectedResult = "@base")]
    public string ParametersAreCamelCaseAndEscaped(string cName) => Naming.Parameter(cName);

    [Test]
    public void EnumMembersLoseTheWordsTheyShare()
    {
        Assert.That(Naming.EnumMembers(["MC_OK", "MC_ERROR_INVALID_ARGUMENT"]), Is.EqualTo(new[] { "Ok", "ErrorInvalidArgument" }));
        Assert.That(Naming.EnumMembers(["MC_DTYPE_F32", "MC_DTYPE_Q4_0", "MC_DTYPE_BF16"]), Is.EqualTo(new[] { "F32", "Q4_0", "Bf16" }));
    }

    [Test]
    public void EnumMemberNamesNeverStartWithADigitNorVanish()
    {
        Assert.That(Naming.EnumMembers(["T_LEVEL_1", "T_LEVEL_2"]), Is.EqualTo(new[] { "Level1", "Level2" }));
        Assert.That(Naming.EnumMembers(["T_ONLY_VALUE"]), Is.EqualTo(new[] { "Value" }));
    }
}
