using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;

namespace MetalCore.Tests.ModelFiles;

/// <summary>Hand-built GGUF files: every value type reads back, and each kind of damage gets its specific error.</summary>
public sealed class GgufFileValidationTests
{
    private const uint Magic = 0x46554747;

    private static RawBytes Header(ulong tensors, ulong entries, uint version = 3) =>
        new RawBytes().U32(Magic).U32(version).U64(tensors).U64(entries);

    private static GgufFile OpenBytes(TempFolder folder, byte[] bytes) => GgufFile.Open(folder.Write("test.gguf", bytes));

    private static ModelFileException OpenFails(byte[] bytes)
    {
        using var folder = new TempFolder();
        return Assert.Catch<ModelFileException>(() => OpenBytes(folder, bytes).Dispose())!;
    }

    [Test]
    public void EveryValueTypeReadsBack()
    {
        var bytes = Header(0, 14)
            .Str("u8").U32(0).U8(200)
            .Str("i8").U32(1).U8(0xFE)
            .Str("u16").U32(2).U8(0x34).U8(0x12)
            .Str("i16").U32(3).U8(0xFF).U8(0xFF)
            .Str("u32").U32(4).U32(4_000_000_000)
            .Str("i32").U32(5).I32(-7)
            .Str("f32").U32(6).F32(1.5f)
            .Str("bool").U32(7).U8(1)
            .Str("str").U32(8).Str("héllo")
            .Str("u64").U32(10).U64(1UL << 40)
            .Str("i64").U32(11).U64(unchecked((ulong)-5L))
            .Str("f64").U32(12).F64(0.25)
            .Str("strings").U32(9).U32(8).U64(3).Str("a").Str("").Str("ccc")
            .Str("nested").U32(9).U32(9).U64(2)
                .U32(5).U64(2).I32(1).I32(2)
                .U32(8).U64(1).Str("x")
            .ToArray();
        using var folder = new TempFolder();
        using var file = OpenBytes(folder, bytes);
        Assert.Multiple(() =>
        {
            Assert.That(file.GetValue("u8").AsInt64(), Is.EqualTo(200));
            Assert.That(file.GetValue("i8").AsInt64(), Is.EqualTo(-2));
            Assert.That(file.GetValue("u16").AsInt64(), Is.EqualTo(0x1234));
            Assert.That(file.GetValue("i16").AsInt32(), Is.EqualTo(-1));
            Assert.That(file.GetValue("u32").AsUInt32(), Is.EqualTo(4_000_000_000u));
            Assert.That(file.GetValue("i32").AsInt32(), Is.EqualTo(-7));
            Assert.That(file.GetValue("f32").AsSingle(), Is.EqualTo(1.5f));
            Assert.That(file.GetValue("bool").AsBoolean(), Is.True);
            Assert.That(file.GetValue("str").AsString(), Is.EqualTo("héllo"));
            Assert.That(file.GetValue("u64").AsInt64(), Is.EqualTo(1L << 40));
            Assert.That(file.GetValue("i64").AsInt64(), Is.EqualTo(-5));
            Assert.That(file.GetValue("f64").AsDouble(), Is.EqualTo(0.25));
            Assert.That(file.GetValue("strings").AsStringArray(), Is.EqualTo(new[] { "a", "", "ccc" }));
            var nested = file.GetValue("nested").AsArrayItems();
            Assert.That(nested, Has.Length.EqualTo(2));
            Assert.That(nested[0].AsInt32Array(), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(nested[1].AsStringArray(), Is.EqualTo(new[] { "x" }));
            Assert.That(file.Metadata.Select(v => v.Key).First(), Is.EqualTo("u8"), "metadata keeps file order");
            Assert.That(file.Tensors, Is.Empty);
        });
    }

    [Test]
    public void WrongTypeAndOutOfRangeAccessNameTheKey()
    {
        var bytes = Header(0, 3).Str("name").U32(8).Str("x").Str("big").U32(4).U32(4_000_000_000).Str("flag").U32(7).U8(2).ToArray();
        using var folder = new TempFolder();
        using var file = OpenBytes(folder, bytes);
        var wrongType = Assert.Throws<ModelFileException>(() => file.GetValue("name").AsInt64())!;
        Assert.That(wrongType.Message, Does.Contain("'name'").And.Contain("String").And.Contain("integer"));
        var outOfRange = Assert.Throws<ModelFileException>(() => file.GetValue("big").AsInt32())!;
        Assert.That(outOfRange.Message, Does.Contain("'big'").And.Contain("4000000000"));
        var badBool = Assert.Throws<ModelFileException>(() => file.GetValue("flag").AsBoolean())!;
        Assert.That(badBool.Message, Does.Contain("'flag'").And.Contain("expected 0 or 1"));
        var missing = Assert.Throws<ModelFileException>(() => file.GetValue("absent"))!;
        Assert.That(missing.Message, Does.Contain("'absent'").And.Contain("missing"));
        Assert.That(missing.FilePath, Is.EqualTo(file.FilePath));
    }

    [Test]
    public void HugeArrayCountIsAnErrorNotAnAllocation()
    {
        var error = OpenFails(Header(0, 1).Str("tokens").U32(9).U32(8).U64(1UL << 60).ToArray());
        Assert.That(error.Message, Does.Contain("'tokens'").And.Contain("array length"));
    }

    [Test]
    public void HugeFixedSizeArrayCountIsAnError()
    {
        var error = OpenFails(Header(0, 1).Str("scores").U32(9).U32(6).U64(1UL << 62).F32(0).ToArray());
        Assert.That(error.Message, Does.Contain("'scores'"));
    }

    [Test]
    public void HugeStringLengthIsAnError()
    {
        var error = OpenFails(Header(0, 1).Str("name").U32(8).U64(ulong.MaxValue).ToArray());
        Assert.That(error.Message, Does.Contain("'name'").And.Contain("string length"));
    }

    [Test]
    public void HugeEntryCountsAreErrors()
    {
        Assert.That(OpenFails(Header(0, 1UL << 59).ToArray()).Message, Does.Contain("metadata entry count"));
        Assert.That(OpenFails(Header(1UL << 59, 0).ToArray()).Message, Does.Contain("tensor count"));
    }

    [Test]
    public void UnknownValueTypeIsNamed()
    {
        var error = OpenFails(Header(0, 1).Str("k").U32(13).U32(0).ToArray());
        Assert.That(error.Message, Does.Contain("'k'").And.Contain("13"));
    }

    [Test]
    public void DuplicateKeyIsRejected()
    {
        var error = OpenFails(Header(0, 2).Str("k").U32(4).U32(1).Str("k").U32(4).U32(2).ToArray());
        Assert.That(error.Message, Does.Contain("'k'").And.Contain("twice"));
    }

    [Test]
    public void BadMagicAndVersionsAreRejected()
    {
        Assert.That(OpenFails(new RawBytes().U32(0x4C4C4747).U32(3).U64(0).U64(0).ToArray()).Message, Does.Contain("not a GGUF file"));
        Assert.That(OpenFails(Header(0, 0, version: 1).ToArray()), Is.InstanceOf<UnsupportedModelException>());
        Assert.That(OpenFails(Header(0, 0, version: 0x03000000).ToArray()).Message, Does.Contain("big-endian"));
        Assert.That(OpenFails(Header(0, 0, version: 7).ToArray()).Message, Does.Contain("version 7"));
    }

    [Test]
    public void EmptyAndMissingFilesAreModelFileErrors()
    {
        Assert.That(OpenFails([]).Message, Does.Contain("empty"));
        var missing = Path.Combine(Path.GetTempPath(), $"absent-{Guid.NewGuid():N}.gguf");
        Assert.That(Assert.Throws<ModelFileException>(() => GgufFile.Open(missing))!.FilePath, Is.EqualTo(missing));
    }

    [Test]
    public void AlignmentMustBeAPowerOfTwoUInt32()
    {
        Assert.That(OpenFails(Header(0, 1).Str("general.alignment").U32(4).U32(48).ToArray()).Message,
            Does.Contain("general.alignment").And.Contain("power of two"));
        Assert.That(OpenFails(Header(0, 1).Str("general.alignment").U32(5).I32(64).ToArray()).Message,
            Does.Contain("general.alignment").And.Contain("UInt32"));
    }

    /// <summary>A file with one F32 tensor of <paramref name="dims"/> at <paramref name="offset"/>, and <paramref name="dataBytes"/> bytes of data.</summary>
    private static byte[] OneTensor(ulong[] dims, uint type, ulong offset, int dataBytes, uint? alignment = null)
    {
        var raw = Header(1, alignment is null ? 0UL : 1UL);
        if (alignment is { } a)
        {
            raw.Str("general.alignment").U32(4).U32(a);
        }
        raw.Str("w").U32((uint)dims.Length);
        foreach (var d in dims)
        {
            raw.U64(d);
        }
        raw.U32(type).U64(offset).PadTo((int)(alignment ?? 32));
        return raw.Bytes(new byte[dataBytes]).ToArray();
    }

    [Test]
    public void TensorInfoIsReadAndPlacedAfterTheAlignedHeader()
    {
        using var folder = new TempFolder();
        var bytes = OneTensor([4, 2], 0, 0, 32, alignment: 64);
        using var file = OpenBytes(folder, bytes);
        var tensor = file.GetTensor("w");
        Assert.Multiple(() =>
        {
            Assert.That(file.Alignment, Is.EqualTo(64));
            Assert.That(file.DataOffset, Is.EqualTo(bytes.Length - 32));
            Assert.That(file.DataOffset % 64, Is.Zero);
            Assert.That(tensor.Dimensions, Is.EqualTo(new long[] { 4, 2 }));
            Assert.That(tensor.ElementCount, Is.EqualTo(8));
            Assert.That(tensor.ByteLength, Is.EqualTo(32));
            Assert.That(file.GetTensorBytes(tensor).Length, Is.EqualTo(32));
        });
    }

    [Test]
    public void QuantizedTensorSizeFollowsTheBlockLayout()
    {
        using var folder = new TempFolder();
        // Q8_0: 64 elements per row = 2 blocks of 34 bytes; 3 rows.
        using var file = OpenBytes(folder, OneTensor([64, 3], 8, 0, 3 * 2 * 34));
        Assert.That(file.GetTensor("w").ByteLength, Is.EqualTo(204));
    }

    [Test]
    public void TensorDataPastTheEndIsRejected()
    {
        var error = OpenFails(OneTensor([4, 2], 0, 0, 31));
        Assert.That(error.Message, Does.Contain("'w'").And.Contain("past the end"));
    }

    [Test]
    public void MisalignedTensorOffsetIsRejected()
    {
        var error = OpenFails(OneTensor([4], 0, 4, 64));
        Assert.That(error.Message, Does.Contain("'w'").And.Contain("alignment"));
    }

    [Test]
    public void RowNotAWholeNumberOfBlocksIsRejected()
    {
        var error = OpenFails(OneTensor([33, 1], 8, 0, 68));
        Assert.That(error.Message, Does.Contain("'w'").And.Contain("block size 32"));
    }

    [Test]
    public void UnknownTensorTypeIsRejected()
    {
        var error = OpenFails(OneTensor([4], 4, 0, 32));
        Assert.That(error.Message, Does.Contain("'w'").And.Contain("unknown ggml tensor type id 4"));
    }

    [Test]
    public void TooManyDimensionsAndHugeDimensionsAreRejected()
    {
        Assert.That(OpenFails(OneTensor([1, 1, 1, 1, 1], 0, 0, 32)).Message, Does.Contain("5 dimensions"));
        Assert.That(OpenFails(OneTensor([1UL << 40, 1UL << 40], 0, 0, 32)).Message, Does.Contain("cannot fit"));
    }

    [Test]
    public void OverlappingTensorsAreRejected()
    {
        var bytes = Header(2, 0)
            .Str("a").U32(1).U64(16).U32(0).U64(0)
            .Str("b").U32(1).U64(8).U32(0).U64(32)
            .PadTo(32).Bytes(new byte[96]).ToArray();
        var error = OpenFails(bytes);
        Assert.That(error.Message, Does.Contain("'b'").And.Contain("overlaps tensor 'a'"));
    }

    [Test]
    public void DuplicateTensorNameIsRejected()
    {
        var bytes = Header(2, 0)
            .Str("a").U32(1).U64(8).U32(0).U64(0)
            .Str("a").U32(1).U64(8).U32(0).U64(32)
            .PadTo(32).Bytes(new byte[64]).ToArray();
        Assert.That(OpenFails(bytes).Message, Does.Contain("'a'").And.Contain("twice"));
    }
}
