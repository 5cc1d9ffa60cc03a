using System.Runtime.InteropServices;
using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;

namespace MetalCore.Tests.ModelFiles;

/// <summary>What the GGUF writer writes, the reader reads back: values, tensor layout and bytes.</summary>
public sealed class GgufWriterRoundTripTests
{
    [Test]
    public void MetadataAndTensorsRoundTrip([Values(32, 64)] int alignment)
    {
        using var folder = new TempFolder();
        var path = folder.File("out.gguf");
        var writer = new GgufWriter(alignment);
        writer.AddString("general.name", "tiny ✓");
        writer.AddUInt32("u32", 7);
        writer.AddInt32("i32", -3);
        writer.AddUInt64("u64", 1UL << 40);
        writer.AddFloat32("f32", 0.5f);
        writer.AddBool("flag", true);
        writer.AddStringArray("strings", ["a", "", "ß"]);
        writer.AddInt32Array("ints", [1, -2, 3]);
        writer.AddFloat32Array("floats", [1.5f, -0.25f]);
        var first = Enumerable.Range(0, 6).Select(i => (float)i).ToArray();
        var second = new byte[34 * 2]; // two Q8_0 blocks
        second[0] = 0x00; second[1] = 0x3C; second[2] = 5;
        writer.AddTensor("first", GgmlType.F32, [3, 2], MemoryMarshal.AsBytes(first.AsSpan()).ToArray());
        writer.AddTensor("second", GgmlType.Q8_0, [64], second);
        writer.WriteTo(path);

        using var file = GgufFile.Open(path);
        Assert.Multiple(() =>
        {
            Assert.That(file.Alignment, Is.EqualTo(alignment));
            Assert.That(file.GetValue("general.name").AsString(), Is.EqualTo("tiny ✓"));
            Assert.That(file.GetValue("u32").Type, Is.EqualTo(GgufValueType.UInt32));
            Assert.That(file.GetValue("u32").AsUInt32(), Is.EqualTo(7u));
            Assert.That(file.GetValue("i32").AsInt32(), Is.EqualTo(-3));
            Assert.That(file.GetValue("u64").AsInt64(), Is.EqualTo(1L << 40));
            Assert.That(file.GetValue("f32").AsSingle(), Is.EqualTo(0.5f));
            Assert.That(file.GetValue("flag").AsBoolean(), Is.True);
            Assert.That(file.GetValue("strings").AsStringArray(), Is.EqualTo(new[] { "a", "", "ß" }));
            Assert.That(file.GetValue("ints").AsInt32Array(), Is.EqualTo(new[] { 1, -2, 3 }));
            Assert.That(file.GetValue("floats").AsSingleArray(), Is.EqualTo(new[] { 1.5f, -0.25f }));
            var t1 = file.GetTensor("first");
            var t2 = file.GetTensor("second");
            Assert.That(t1.Dimensions, Is.EqualTo(new long[] { 3, 2 }));
            Assert.That(MemoryMarshal.Cast<byte, float>(file.GetTensorBytes(t1)).ToArray(), Is.EqualTo(first));
            Assert.That(t2.Type, Is.EqualTo(GgmlType.Q8_0));
            Assert.That(file.GetTensorBytes(t2).ToArray(), Is.EqualTo(second));
            Assert.That(t2.Offset % alignment, Is.Zero);
            Assert.That(file.FileLength % alignment, Is.Zero, "the last tensor is padded too");
        });
    }

    [Test]
    public void ProducerWritingTheWrongByteCountFailsAndLeavesNoFile()
    {
        using var folder = new TempFolder();
        var path = folder.File("out.gguf");
        var writer = new GgufWriter();
        writer.AddTensor("t", GgmlType.F32, [4], stream => stream.Write(new byte[12]));
        var error = Assert.Throws<InvalidOperationException>(() => writer.WriteTo(path))!;
        Assert.That(error.Message, Does.Contain("'t'").And.Contain("12").And.Contain("16"));
        Assert.That(Directory.GetFiles(folder.Path), Is.Empty);
    }

    [Test]
    public void DuplicateKeysAndTensorsAndBadShapesAreRejected()
    {
        var writer = new GgufWriter();
        writer.AddUInt32("k", 1);
        Assert.Throws<ArgumentException>(() => writer.AddString("k", "again"));
        writer.AddTensor("t", GgmlType.F32, [1], new byte[4]);
        Assert.Throws<ArgumentException>(() => writer.AddTensor("t", GgmlType.F32, [1], new byte[4]));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("q", GgmlType.Q4_0, [16], new byte[18]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new GgufWriter(48));
    }
}
