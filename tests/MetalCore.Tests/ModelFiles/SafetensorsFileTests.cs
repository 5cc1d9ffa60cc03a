using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Safetensors;

namespace MetalCore.Tests.ModelFiles;

/// <summary>
/// The safetensors reader on files built in test code: valid files read back exactly; truncated,
/// damaged and inconsistent files each fail with a <see cref="ModelFileException"/> that names the
/// file, the tensor and what was expected.
/// </summary>
public sealed class SafetensorsFileTests
{
    private static byte[] TwoTensorFile() => new SafetensorsBuilder()
        .Metadata("format", "pt")
        .AddF32("a", [2, 3], [1, 2, 3, 4, 5, 6])
        .Add("b", "BF16", [4], [0, 0x3F, 0, 0x40, 0, 0xC0, 0x80, 0x3F])
        .ToBytes();

    [Test]
    public void ReadsTensorsAndMetadataWithoutCopying()
    {
        using var folder = new TempFolder();
        using var file = SafetensorsFile.Open(folder.Write("m.safetensors", TwoTensorFile()));
        Assert.That(file.Metadata["format"], Is.EqualTo("pt"));
        Assert.That(file.Tensors.Select(t => t.ToString()), Is.EqualTo(new[] { "a F32 [2, 3]", "b BF16 [4]" }));
        Assert.That(file.TryGetTensor("a", out var a), Is.True);
        Assert.That(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(file.GetTensorBytes(a!)).ToArray(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That(a!.Type, Is.EqualTo(GgmlType.F32));
        Assert.That(file.GetTensorPointer(a), Is.EqualTo(file.BaseAddress + (nint)a.FileOffset));
    }

    [Test]
    public void EveryTruncationIsAModelFileError()
    {
        var bytes = TwoTensorFile();
        using var folder = new TempFolder();
        var path = folder.File("cut.safetensors");
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            File.WriteAllBytes(path, bytes[..cut]);
            var error = Assert.Catch<ModelFileException>(() => SafetensorsFile.Open(path).Dispose(), $"cut at {cut}");
            Assert.That(error!.FilePath, Is.EqualTo(path));
        }
    }

    [Test]
    public void RandomDamageNeverEscapesAsAnotherError()
    {
        var original = TwoTensorFile();
        using var folder = new TempFolder();
        var path = folder.File("damaged.safetensors");
        var random = new Random(7);
        for (var trial = 0; trial < 2000; trial++)
        {
            var bytes = (byte[])original.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }
            File.WriteAllBytes(path, bytes);
            try
            {
                using var file = SafetensorsFile.Open(path);
                foreach (var tensor in file.Tensors)
                {
                    _ = file.GetTensorBytes(tensor).Length;
                }
            }
            catch (ModelFileException)
            {
            }
        }
    }

    private static string ErrorFor(string header, int dataBytes)
    {
        using var folder = new TempFolder();
        var path = folder.Write("bad.safetensors", SafetensorsBuilder.Assemble(header, new byte[dataBytes]));
        return Assert.Catch<ModelFileException>(() => SafetensorsFile.Open(path).Dispose())!.Message;
    }

    [Test]
    public void InconsistentHeadersAreNamed()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ErrorFor("""{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}""", 16),
                Does.Contain("tensor 'w' shape [2, 2] of F32 needs 16 bytes, but data_offsets [0, 12] span 12"));
            Assert.That(ErrorFor("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12),
                Does.Contain("data overlaps tensor"));
            Assert.That(ErrorFor("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8),
                Does.Contain("tensor 'w' data_offsets [0, 16] are not a range inside the 8-byte data section"));
            Assert.That(ErrorFor("""{"w":{"dtype":"Q9","shape":[4],"data_offsets":[0,4]}}""", 4), Does.Contain("tensor 'w' has unknown dtype 'Q9'"));
            Assert.That(ErrorFor("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4), Does.Contain("'shape' holds -1, expected non-negative integers"));
            Assert.That(ErrorFor("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", 4), Does.Contain("'data_offsets' has 1 values, expected 2"));
            Assert.That(ErrorFor("""{"w":{"shape":[1],"data_offsets":[0,4]}}""", 4), Does.Contain("tensor 'w' has no 'dtype'"));
            Assert.That(ErrorFor("""{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}""", 4),
                Does.Contain("has more elements than the file has bytes"));
            Assert.That(ErrorFor("""{"w":""", 4), Does.Contain("invalid JSON"));
            Assert.That(ErrorFor("""[1,2]""", 4), Does.Contain("does not start with '{'"));
        });
    }

    [Test]
    public void HeaderLengthBeyondTheFileIsNamed()
    {
        var bytes = TwoTensorFile();
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)bytes.Length);
        using var folder = new TempFolder();
        var path = folder.Write("long.safetensors", bytes);
        Assert.That(Assert.Catch<ModelFileException>(() => SafetensorsFile.Open(path).Dispose())!.Message,
            Does.Contain($"header length {bytes.Length} exceeds the {bytes.Length - 8} bytes after it"));
    }

    [Test]
    public void ADirectoryWithATruncatedShardFailsNamingTheShard()
    {
        using var folder = new TempFolder();
        new TinyHfModel { Sharded = true }.WriteTo(folder.Path);
        var shard = folder.File("model-00002-of-00002.safetensors");
        var bytes = File.ReadAllBytes(shard);
        File.WriteAllBytes(shard, bytes[..(bytes.Length - 100)]);
        var error = Assert.Catch<ModelFileException>(() => ModelDescription.Open(folder.Path))!;
        Assert.That(error.FilePath, Is.EqualTo(shard));
        Assert.That(error.Message, Does.Contain("are not a range inside the"));
    }
}
