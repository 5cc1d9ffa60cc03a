using MetalCore.ModelFiles;
using MetalCore.Quantization;

namespace MetalCore.Tests.Quantization;

/// <summary>F32 → F16 / BF16 against hand-derived bit patterns (IEEE round to nearest even).</summary>
public sealed class FloatConversionTests
{
    private static ushort[] Encode(GgmlType type, params uint[] floatBits)
    {
        var values = floatBits.Select(BitConverter.UInt32BitsToSingle).ToArray();
        var bytes = new byte[values.Length * 2];
        GgmlQuantizer.Quantize(values, type, bytes);
        return Enumerable.Range(0, values.Length).Select(i => BitConverter.ToUInt16(bytes, 2 * i)).ToArray();
    }

    [Test]
    public void BFloat16RoundsToNearestEvenAndQuietsNaN()
    {
        uint[] input =
        [
            0x3F80_0000, // 1.0 → 0x3F80
            0x3F80_8000, // exactly halfway, lower half even → stays 0x3F80
            0x3F81_8000, // exactly halfway, lower half odd → rounds up to 0x3F82
            0x3F80_8001, // just above halfway → 0x3F81
            0xBF80_7FFF, // just below halfway, negative → 0xBF80
            0x7F7F_FFFF, // largest float rounds to +infinity 0x7F80
            0x7F80_0000, // +infinity
            0x7F80_0001, // signalling NaN → quiet NaN 0x7FC0
            0xFFC1_2345, // negative quiet NaN keeps its sign and top payload: 0xFFC1 | 0x40
        ];
        // Repeat so both the vector path and the scalar tail see every case.
        var repeated = Enumerable.Repeat(input, 9).SelectMany(x => x).ToArray();
        var expected = new ushort[] { 0x3F80, 0x3F80, 0x3F82, 0x3F81, 0xBF80, 0x7F80, 0x7F80, 0x7FC0, 0xFFC1 };
        Assert.That(Encode(GgmlType.BF16, repeated), Is.EqualTo(Enumerable.Repeat(expected, 9).SelectMany(x => x).ToArray()));
    }

    [Test]
    public void Float16RoundsToNearestEven()
    {
        uint[] input =
        [
            0x3F80_0000, // 1.0 → 0x3C00
            0x3F80_1000, // 1 + 2^-11: halfway, even → 0x3C00
            0x3F80_3000, // 1 + 3·2^-11: halfway, odd → 0x3C02
            0x477F_F000, // 65520: halfway between 65504 and 65536 → +infinity 0x7C00
            0x3380_0000, // 2^-24, the smallest subnormal → 0x0001
            0xC000_0000, // -2 → 0xC000
        ];
        Assert.That(Encode(GgmlType.F16, input), Is.EqualTo(new ushort[] { 0x3C00, 0x3C00, 0x3C02, 0x7C00, 0x0001, 0xC000 }));
    }

    [Test]
    public void HalfAndBFloat16DecodeExactly()
    {
        var f16 = new byte[] { 0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00 };
        var bf16 = new byte[] { 0x80, 0x3F, 0x49, 0x40 };
        var fromF16 = new float[3];
        var fromBf16 = new float[2];
        GgmlQuantizer.Dequantize(f16, GgmlType.F16, fromF16);
        GgmlQuantizer.Dequantize(bf16, GgmlType.BF16, fromBf16);
        Assert.That(fromF16, Is.EqualTo(new[] { 1f, -2f, MathF.Pow(2, -24) }));
        Assert.That(fromBf16, Is.EqualTo(new[] { 1f, 3.140625f }));
    }

    [Test]
    public void LengthMismatchAndUnsupportedTypesAreArgumentErrors()
    {
        Assert.Throws<ArgumentException>(() => GgmlQuantizer.Quantize(new float[4], GgmlType.F16, new byte[6]));
        Assert.Throws<ArgumentException>(() => GgmlQuantizer.Quantize(new float[256], GgmlType.Q4_K, new byte[144]));
        Assert.Throws<ArgumentException>(() => GgmlQuantizer.Quantize(new float[33], GgmlType.Q8_0, new byte[68]));
        Assert.Throws<ArgumentException>(() => GgmlQuantizer.Dequantize(new byte[144], GgmlType.Q6_K, new float[256]));
    }
}
