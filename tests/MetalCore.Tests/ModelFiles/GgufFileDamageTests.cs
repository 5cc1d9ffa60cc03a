using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.ModelFiles;

/// <summary>
/// Truncated and randomly damaged copies of the stories260K GGUF: opening and reading them must
/// either succeed or throw <see cref="ModelFileException"/>, never anything else, and never hang.
/// </summary>
public sealed class GgufFileDamageTests
{
    private static readonly TimeSpan s_timeLimit = TimeSpan.FromSeconds(120);

    private static byte[] FixtureBytes() => File.ReadAllBytes(Fixtures.Require("models/stories260K/stories260K.gguf"));

    /// <summary>Opens a file and touches everything in it: every metadata value and every tensor's bytes.</summary>
    private static void OpenAndReadEverything(string path)
    {
        using var file = GgufFile.Open(path);
        foreach (var value in file.Metadata)
        {
            _ = value.ToString();
            if (value.Type == GgufValueType.Array)
            {
                _ = value.AsArrayItems();
            }
        }
        foreach (var tensor in file.Tensors)
        {
            _ = file.GetTensorBytes(tensor).Length;
        }
    }

    private static void WithinTimeLimit(Action action)
    {
        var task = Task.Run(action);
        Assert.That(task.Wait(s_timeLimit), Is.True, $"did not finish within {s_timeLimit}");
    }

    [Test]
    public void EveryTruncationIsAModelFileError()
    {
        var bytes = FixtureBytes();
        using var folder = new TempFolder();
        var path = folder.File("cut.gguf");
        // Every cut point in the first 512 bytes (magic, counts, first keys), then a stride through
        // the rest of the metadata and tensor infos, then a few inside the tensor data.
        var cuts = Enumerable.Range(0, 512)
            .Concat(Enumerable.Range(0, 400).Select(i => 512 + i * 37).Where(c => c < 14_200))
            .Concat([14_176, 100_000, 1_000_000, bytes.Length - 1])
            .ToArray();
        var failures = new List<string>();
        WithinTimeLimit(() =>
        {
            foreach (var cut in cuts)
            {
                File.WriteAllBytes(path, bytes.AsSpan(0, cut).ToArray());
                try
                {
                    OpenAndReadEverything(path);
                    failures.Add($"cut at {cut}: opened without error");
                }
                catch (ModelFileException)
                {
                }
                catch (Exception e)
                {
                    failures.Add($"cut at {cut}: {e.GetType().Name}: {e.Message}");
                }
            }
        });
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public void RandomHeaderDamageIsAModelFileErrorOrHarmless([Values(1, 2, 3, 4)] int seed)
    {
        var original = FixtureBytes();
        const int headerBytes = 14_176; // header, metadata and tensor infos of this fixture
        using var folder = new TempFolder();
        var path = folder.Write("damaged.gguf", original);
        var random = new Random(seed);
        var failures = new List<string>();
        var rejected = 0;
        const int iterations = 300;
        WithinTimeLimit(() =>
        {
            for (var i = 0; i < iterations; i++)
            {
                var damaged = original.AsSpan(0, headerBytes).ToArray();
                Damage(damaged, random);
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
                {
                    stream.Write(damaged);
                }
                try
                {
                    OpenAndReadEverything(path);
                }
                catch (ModelFileException)
                {
                    rejected++;
                }
                catch (Exception e)
                {
                    failures.Add($"iteration {i}: {e.GetType().Name}: {e.Message}");
                }
            }
        });
        Assert.That(failures, Is.Empty);
        // Most damage to counts, lengths and type tags is detectable; a test that never saw a
        // rejection would not be exercising the validation at all.
        Assert.That(rejected, Is.GreaterThan(iterations / 10));
    }

    // Overwrites 1 to 4 random spots: a random byte, or a whole 8-byte word (a length or count)
    // with a random huge or small value.
    private static void Damage(byte[] header, Random random)
    {
        var spots = random.Next(1, 5);
        for (var s = 0; s < spots; s++)
        {
            var at = random.Next(header.Length - 8);
            if (random.Next(2) == 0)
            {
                header[at] = (byte)random.Next(256);
            }
            else
            {
                var word = random.Next(3) switch
                {
                    0 => (ulong)random.NextInt64(),
                    1 => 1UL << random.Next(64),
                    _ => (ulong)random.Next(4096),
                };
                BitConverter.TryWriteBytes(header.AsSpan(at, 8), word);
            }
        }
    }
}
