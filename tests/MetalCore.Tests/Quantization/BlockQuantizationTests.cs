using System.Buffers.Binary;
using MetalCore.ModelFiles;
using MetalCore.Quantization;

namespace MetalCore.Tests.Quantization;

/// <summary>Q8_0 and Q4_0 against hand-derived blocks (ggml's reference semantics) and error bounds; Q4_1 / Q5_x decoding.</summary>
public sealed class BlockQuantizationTests
{
    private static byte[] Quantize(GgmlType type, float[] values)
    {
        var bytes = new byte[GgmlQuantizer.ByteCount(type, values.Length)];
        GgmlQuantizer.Quantize(values, type, bytes);
        return bytes;
    }

    private static float[] Dequantize(GgmlType type, byte[] bytes, int count)
    {
        var values = new float[count];
        GgmlQuantizer.Dequantize(bytes, type, values);
        return values;
    }

    [Test]
    public void Q8_0BlockWithUnitScale()
    {
        // max |x| = 127, so d = 1 (F16 0x3C00) and each code is x rounded half away from zero.
        var x = new float[32];
        x[0] = 127f;
        x[1] = 2.5f;          // → 3
        x[2] = -2.5f;         // → -3
        x[3] = 0.49999997f;   // → 0 (not 1: adding 0.5 first would round up)
        x[4] = -126.6f;       // → -127
        x[5] = 1.5f;          // → 2
        var bytes = Quantize(GgmlType.Q8_0, x);
        var expected = new byte[34];
        expected[0] = 0x00;
        expected[1] = 0x3C;
        expected[2] = 127;
        expected[3] = 3;
        expected[4] = unchecked((byte)-3);
        expected[5] = 0;
        expected[6] = unchecked((byte)-127);
        expected[7] = 2;
        Assert.That(bytes, Is.EqualTo(expected));
    }

    [Test]
    public void Q8_0AllZeroBlockIsAllZeroBytes()
    {
        Assert.That(Quantize(GgmlType.Q8_0, new float[64]), Is.EqualTo(new byte[68]));
    }

    [Test]
    public void Q4_0BlockWithNegativeMaximum()
    {
        // The largest magnitude is -8, so d = -8 / -8 = 1 (F16 0x3C00) and code = min(15, trunc(x + 8.5)).
        var x = new float[32];
        x[0] = -8f;     // → 0
        x[1] = 7f;      // → 15
        x[2] = 7.6f;    // trunc(16.1) = 16, clamped → 15
        x[3] = 0.49f;   // trunc(8.99) → 8
        x[4] = 0.5f;    // trunc(9.0) → 9
        x[5] = -0.5f;   // trunc(8.0) → 8 (halves round up)
        x[16] = -7.5f;  // trunc(1.0) → 1, high nibble of byte 0
        x[17] = 3f;     // → 11, high nibble of byte 1
        var bytes = Quantize(GgmlType.Q4_0, x);
        var expected = new byte[18];
        expected[0] = 0x00;
        expected[1] = 0x3C;
        for (var j = 0; j < 16; j++)
        {
            expected[2 + j] = 0x88; // zeros encode as 8 in both nibbles
        }
        expected[2] = 0x1 << 4 | 0x0;
        expected[3] = 0xB << 4 | 0xF;
        expected[4] = 0x8 << 4 | 0xF;
        expected[5] = 0x8 << 4 | 0x8;
        expected[6] = 0x8 << 4 | 0x9;
        expected[7] = 0x8 << 4 | 0x8;
        Assert.That(bytes, Is.EqualTo(expected));
    }

    [Test]
    public void Q4_0FirstValueWinsMagnitudeTies()
    {
        // [-2, 2, 0...]: -2 comes first, d = 0.25 (F16 0x3400): -2 → 0, 2 → 16 clamped to 15.
        // [2, -2, 0...]: 2 comes first, d = -0.25 (F16 0xB400): 2 → 0, -2 → 15.
        var negativeFirst = Quantize(GgmlType.Q4_0, [-2f, 2f, .. new float[30]]);
        var positiveFirst = Quantize(GgmlType.Q4_0, [2f, -2f, .. new float[30]]);
        Assert.That(negativeFirst[..4], Is.EqualTo(new byte[] { 0x00, 0x34, 0x80, 0x8F }));
        Assert.That(positiveFirst[..4], Is.EqualTo(new byte[] { 0x00, 0xB4, 0x80, 0x8F }));
    }

    [Test]
    public void Q4_0AllZeroBlockHasNegativeZeroScaleAndMiddleCodes()
    {
        // ggml computes d = max / -8 with max = +0, which is -0: F16 0x8000.
        byte[] expected = [0x00, 0x80, .. Enumerable.Repeat((byte)0x88, 16)];
        Assert.That(Quantize(GgmlType.Q4_0, new float[32]), Is.EqualTo(expected));
    }

    [Test]
    public void Q8_0ErrorIsWithinHalfAStepForRandomData([Values(1, 2, 3)] int seed)
    {
        var x = RandomValues(seed, 32 * 200);
        var bytes = Quantize(GgmlType.Q8_0, x);
        var y = Dequantize(GgmlType.Q8_0, bytes, x.Length);
        for (var b = 0; b < x.Length / 32; b++)
        {
            var block = x.AsSpan(b * 32, 32);
            var amax = block.ToArray().Max(MathF.Abs);
            var d = amax / 127f;
            var storedD = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(b * 34));
            // |x - q·d'| ≤ |x - q·d| + |q|·|d - d'| ≤ d/2 + 127·|d - d'| (plus float rounding).
            var bound = d / 2 + 127 * MathF.Abs(d - storedD) + amax * 1e-6f;
            for (var j = 0; j < 32; j++)
            {
                Assert.That(MathF.Abs(x[b * 32 + j] - y[b * 32 + j]), Is.LessThanOrEqualTo(bound), $"block {b} value {j}");
                // The code is the nearest integer to x/d, halves away from zero.
                var code = (sbyte)bytes[b * 34 + 2 + j];
                var exact = (double)x[b * 32 + j] * (1 / (double)d);
                Assert.That(Math.Abs(exact - code), Is.LessThanOrEqualTo(0.5 + 1e-4), $"block {b} value {j}");
            }
        }
    }

    [Test]
    public void Q4_0ErrorIsWithinOneStepForRandomData([Values(1, 2, 3)] int seed)
    {
        var x = RandomValues(seed, 32 * 200);
        var y = Dequantize(GgmlType.Q4_0, Quantize(GgmlType.Q4_0, x), x.Length);
        for (var b = 0; b < x.Length / 32; b++)
        {
            var amax = x.AsSpan(b * 32, 32).ToArray().Max(MathF.Abs);
            var step = amax / 8;
            // Codes are x/d rounded to nearest in [-8, 7]; only the clamped top end (x/d near +8,
            // i.e. values of the opposite sign to the extreme) can be off by a whole step.
            for (var j = 0; j < 32; j++)
            {
                Assert.That(MathF.Abs(x[b * 32 + j] - y[b * 32 + j]), Is.LessThanOrEqualTo(step * 1.001f + 1e-6f), $"block {b} value {j}");
            }
        }
    }

    [Test]
    public void LargeInputsSplitAcrossThreadsGiveTheSameBytesAsBlockByBlock([Values(GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.BF16, GgmlType.F16)] GgmlType type)
    {
        var x = RandomValues(7, (1 << 21) + 96);
        var whole = Quantize(type, x);
        var blockSize = type is GgmlType.Q8_0 or GgmlType.Q4_0 ? 32 : 1;
        var blockBytes = (int)GgmlQuantizer.ByteCount(type, blockSize);
        // Spot-check blocks spread over the whole input (every one would be slow).
        for (var b = 0; b < x.Length / blockSize; b += 4099)
        {
            var single = Quantize(type, x.AsSpan(b * blockSize, blockSize).ToArray());
            Assert.That(whole.AsSpan(b * blockBytes, blockBytes).ToArray(), Is.EqualTo(single), $"block {b}");
        }
    }

    [Test]
    public void Q4_1DecodesScaleAndMinimum()
    {
        // d = 0.5 (0x3800), m = -1 (0xBC00); byte j = (j+16 code << 4) | j code.
        var block = new byte[20];
        block[0] = 0x00; block[1] = 0x38; block[2] = 0x00; block[3] = 0xBC;
        block[4] = 0xF3;   // value 0: code 3 → 0.5; value 16: code 15 → 6.5
        block[19] = 0x01;  // value 15: code 1 → -0.5; value 31: code 0 → -1
        var y = Dequantize(GgmlType.Q4_1, block, 32);
        Assert.Multiple(() =>
        {
            Assert.That(y[0], Is.EqualTo(0.5f));
            Assert.That(y[16], Is.EqualTo(6.5f));
            Assert.That(y[15], Is.EqualTo(-0.5f));
            Assert.That(y[31], Is.EqualTo(-1f));
            Assert.That(y[1], Is.EqualTo(-1f));
        });
    }

    [Test]
    public void Q5_0AndQ5_1DecodeTheFifthBitFromQh()
    {
        // Q5_0: d = 2 (0x4000); qh bit 0 and bit 16 set: value 0 = (0x10|0x1 - 16)·2 = 2,
        // value 16 = (0x10|0x2 - 16)·2 = 4; value 1 = (0x0 - 16)·2 = -32.
        var q50 = new byte[22];
        q50[0] = 0x00; q50[1] = 0x40;
        BinaryPrimitives.WriteUInt32LittleEndian(q50.AsSpan(2), 1u | 1u << 16);
        q50[6] = 0x21;
        var y0 = Dequantize(GgmlType.Q5_0, q50, 32);
        // Q5_1: d = 1, m = 0.5; qh bit 31 set: value 31 = (0x10 | 0xF)·1 + 0.5 = 31.5.
        var q51 = new byte[24];
        q51[0] = 0x00; q51[1] = 0x3C; q51[2] = 0x00; q51[3] = 0x38;
        BinaryPrimitives.WriteUInt32LittleEndian(q51.AsSpan(4), 1u << 31);
        q51[23] = 0xF0;
        var y1 = Dequantize(GgmlType.Q5_1, q51, 32);
        Assert.Multiple(() =>
        {
            Assert.That(y0[0], Is.EqualTo(2f));
            Assert.That(y0[16], Is.EqualTo(4f));
            Assert.That(y0[1], Is.EqualTo(-32f));
            Assert.That(y1[31], Is.EqualTo(31.5f));
            Assert.That(y1[15], Is.EqualTo(0.5f));
        });
    }

    private static float[] RandomValues(int seed, int count)
    {
        var random = new Random(seed);
        // Gaussian-ish weights with a few outliers, as in real models.
        return Enumerable.Range(0, count)
            .Select(i => (float)((random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * (i % 97 == 0 ? 8 : 1)))
            .ToArray();
    }
}
