using MetalCore.Runtime;
using MetalCore.Tests.Infrastructure;
using MetalCore.Tuning;

namespace MetalCore.Tests.Tuning;

[TestFixture]
public class TuningTableTests
{
    private const string Device = "CPU: Test (2 threads)";

    private static TuningEntry Entry(string shape, params (string Name, int Value)[] values) => new()
    {
        Backend = "cpu",
        Device = Device,
        Shape = shape,
        Tunables = values.ToDictionary(v => v.Name, v => v.Value),
    };

    [Test]
    public void SavedTablesReadBackEqual()
    {
        var path = Path.Combine(Path.GetTempPath(), $"metalcore-tuning-{Guid.NewGuid():N}.json");
        try
        {
            var table = TuningTable.Empty
                .With(Entry(ModelShape.Any, ("spin_us", 0)))
                .With(Entry("llama h576 Q8_0", ("matvec_rows_per_task", 32), ("attention_block", 128)) with { Evidence = "autotune: +4%" });
            table.Save(path);
            var read = TuningTable.Load(path);

            Assert.That(read.Entries, Has.Count.EqualTo(2));
            for (var i = 0; i < 2; i++)
            {
                Assert.That(read.Entries[i].Tunables, Is.EqualTo(table.Entries[i].Tunables));
                Assert.That(read.Entries[i] with { Tunables = table.Entries[i].Tunables, Origin = "" }, Is.EqualTo(table.Entries[i]));
                Assert.That(read.Entries[i].Origin, Is.EqualTo(path));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void TheShapesEntryWinsOverTheDevicesWildcard()
    {
        var table = TuningTable.Empty
            .With(Entry(ModelShape.Any, ("spin_us", 0), ("attention_block", 64)))
            .With(Entry("shape A", ("attention_block", 256)));

        Assert.That(table.Resolve(ComputeBackend.Cpu, Device, "shape A"),
            Is.EqualTo(new Dictionary<string, int> { ["spin_us"] = 0, ["attention_block"] = 256 }));
        Assert.That(table.Resolve(ComputeBackend.Cpu, Device, "shape B"),
            Is.EqualTo(new Dictionary<string, int> { ["spin_us"] = 0, ["attention_block"] = 64 }));
        Assert.That(table.Resolve(ComputeBackend.Cpu, "another CPU", "shape A"), Is.Empty);
        Assert.That(table.Resolve(ComputeBackend.Cuda, Device, "shape A"), Is.Empty);
    }

    [Test]
    public void AnEntryForTheSameKeyIsReplacedAndAnOverlayWins()
    {
        var table = TuningTable.Empty.With(Entry("s", ("a", 1))).With(Entry("s", ("a", 2)));
        Assert.That(table.Entries, Has.Count.EqualTo(1));
        Assert.That(table.Resolve(ComputeBackend.Cpu, Device, "s")["a"], Is.EqualTo(2));

        var user = TuningTable.Empty.With(Entry("s", ("a", 3)));
        Assert.That(table.Overlay(user).Resolve(ComputeBackend.Cpu, Device, "s")["a"], Is.EqualTo(3));
    }

    [TestCase("{ \"version\": 1, \"entries\": [ { \"backend\": \"tpu\", \"device\": \"d\", \"shape\": \"*\", \"tunables\": {} } ] }", "entries[0]: backend 'tpu'")]
    [TestCase("{ \"version\": 2, \"entries\": [] }", "version 2 is not supported")]
    [TestCase("{ \"version\": 1, \"entries\": [ { \"backend\": \"cpu\", \"shape\": \"*\", \"tunables\": {} } ] }", "device")]
    [TestCase("{ \"version\": 1, \"entries\": [ { \"backend\": \"cpu\", \"device\": \"d\", \"shape\": \"*\", \"tunables\": { \"a\": \"x\" } } ] }", "$.entries[0].tunables.a")]
    [TestCase("{ \"version\": 1, \"entries\": [ { \"backend\": \"cpu\", \"device\": \"\", \"shape\": \"*\", \"tunables\": {} } ] }", "must not be empty")]
    [TestCase("[1, 2]", "not a valid table")]
    public void BadTablesAreNamedWithTheProblem(string json, string expected)
    {
        var error = Assert.Throws<TuningException>(() => TuningTable.Parse(json, "my-table.json"));
        Assert.That(error!.Message, Does.Contain("my-table.json").And.Contain(expected));
    }

    [Test]
    public void TheShippedTableOnlySetsTunablesItsBackendsSweep()
    {
        foreach (var entry in TuningTable.Shipped.Entries)
        {
            var known = TunableCatalog.For(Enum.Parse<ComputeBackend>(entry.Backend, ignoreCase: true)).Select(s => s.Name);
            Assert.That(entry.Tunables.Keys, Is.SubsetOf(known), $"{entry.Device} / {entry.Shape}");
            Assert.That(entry.Evidence, Is.Not.Empty, "a shipped value says which measurement chose it");
        }
    }

    [Test]
    public void AModelLoadsWithItsEntrysValuesThenTheExplicitOnes()
    {
        var path = Fixtures.Require("models/stories260K/stories260K.gguf");
        var shape = ModelShape.KeyOfFile(path);
        var device = DeviceName();
        var table = TuningTable.Empty
            .With(new TuningEntry { Backend = "cpu", Device = device, Shape = ModelShape.Any, Tunables = new() { ["spin_us"] = 0 } })
            .With(new TuningEntry { Backend = "cpu", Device = device, Shape = shape, Tunables = new() { ["attention_block"] = 32, ["matvec_rows_per_task"] = 8 } })
            .With(new TuningEntry { Backend = "cpu", Device = device, Shape = "another shape", Tunables = new() { ["gemm_tile_tokens"] = 4 } });

        using var model = LanguageModel.Load(path, new ModelLoadOptions
        {
            Backend = ComputeBackend.Cpu,
            Tuning = table,
            Tunables = new Dictionary<string, int> { ["matvec_rows_per_task"] = 4 },
        });

        Assert.That(model.ShapeKey, Is.EqualTo(shape));
        Assert.That(model.AppliedTunables, Is.EqualTo(new Dictionary<string, int>
        {
            ["spin_us"] = 0,
            ["attention_block"] = 32,
            ["matvec_rows_per_task"] = 4,
        }));
    }

    [Test]
    public void AValueTheBackendRefusesNamesTheTableEntry()
    {
        var path = Fixtures.Require("models/stories260K/stories260K.gguf");
        var table = TuningTable.Parse($$"""
            { "version": 1, "entries": [ { "backend": "cpu", "device": {{System.Text.Json.JsonSerializer.Serialize(DeviceName())}}, "shape": "*", "tunables": { "attention_block": 999999 } } ] }
            """, "bad-values.json");

        var error = Assert.Throws<TuningException>(() => LanguageModel.Load(path, new ModelLoadOptions { Backend = ComputeBackend.Cpu, Tuning = table }).Dispose());
        Assert.That(error!.Message, Does.Contain("bad-values.json").And.Contain("attention_block = 999999").And.Contain("outside"));
    }

    private static string DeviceName()
    {
        using var context = ComputeContext.Create(ComputeBackend.Cpu);
        return context.DeviceName;
    }
}
