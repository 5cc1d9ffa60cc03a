using System.Text.Json.Nodes;
using MetalCore.ModelFiles;

namespace MetalCore.Tests.ModelFiles;

/// <summary>
/// Hugging Face model directories built in test code: config.json in both RoPE styles, single and
/// sharded weights, every supported dtype, and the specific errors of bad configs.
/// </summary>
public sealed class ModelDescriptionHfTests
{
    private static ModelDescription Open(TinyHfModel model, TempFolder folder) => ModelDescription.Open(model.WriteTo(folder.Path));

    [TestCase("llama", false, false)]
    [TestCase("qwen3", true, false)]
    [TestCase("llama", false, true)]
    [TestCase("qwen3", true, true)]
    public void HyperparametersAndTensorsComeFromTheDirectory(string modelType, bool tied, bool sharded)
    {
        using var folder = new TempFolder();
        var tiny = new TinyHfModel { ModelType = modelType, Tied = tied, Sharded = sharded };
        using var model = Open(tiny, folder);
        var hp = model.Hyperparameters;
        Assert.Multiple(() =>
        {
            Assert.That(model.Format, Is.EqualTo(ModelFileFormat.Safetensors));
            Assert.That(model.Architecture.ToString().ToLowerInvariant(), Is.EqualTo(modelType));
            Assert.That(model.RopeLayout.ToString(), Is.EqualTo("NeoX"), "HF weights are not permuted");
            Assert.That((hp.HiddenSize, hp.LayerCount, hp.HeadCount, hp.KeyValueHeadCount, hp.HeadDimension, hp.FeedForwardSize, hp.VocabularySize),
                Is.EqualTo((64, 2, 4, 2, 16, 96, 48)));
            Assert.That(hp.RopeTheta, Is.EqualTo(500000));
            Assert.That(hp.RmsNormEpsilon, Is.EqualTo(1e-6f));
            Assert.That(hp.BosTokenId, Is.EqualTo(1));
            Assert.That(hp.EosTokenIds, Is.EqualTo(new[] { 2, 3 }));
            Assert.That(hp.TiedEmbeddings, Is.EqualTo(tied));
            Assert.That(model.Output, tied ? Is.SameAs(model.TokenEmbedding) : Is.Not.SameAs(model.TokenEmbedding));
            Assert.That(model.Layers[1].QueryNorm is not null, Is.EqualTo(modelType == "qwen3"));
            Assert.That(model.Layers[1].Down.SourceName, Is.EqualTo("model.layers.1.mlp.down_proj.weight"));
            Assert.That(model.Layers[1].Down.Name, Is.EqualTo("blk.1.ffn_down.weight"));
        });
        var expected = tiny.Weights["model.layers.1.self_attn.k_proj.weight"].Values;
        Assert.That(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(model.Layers[1].Key.Bytes).ToArray(), Is.EqualTo(expected));
    }

    [TestCase("F16")]
    [TestCase("BF16")]
    public void HalfPrecisionWeightsKeepTheirType(string dtype)
    {
        using var folder = new TempFolder();
        using var model = Open(new TinyHfModel { DType = dtype }, folder);
        Assert.That(model.Layers[0].Gate.Type.ToString(), Is.EqualTo(dtype));
        Assert.That(model.Layers[0].Gate.ByteLength, Is.EqualTo(96 * 64 * 2));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Llama3ScalingGivesFrequencyFactorsInBothConfigStyles(bool newStyle)
    {
        using var folder = new TempFolder();
        using var model = Open(new TinyHfModel { Llama3Scaling = true, NewRopeStyle = newStyle }, folder);
        var factors = model.RopeFrequencyFactors!;
        Assert.That(factors, Has.Length.EqualTo(8));
        // Highest frequency (wavelength 2π) is kept, the lowest (wavelength > 1024) divided by 8.
        Assert.That(factors[0], Is.EqualTo(1f));
        Assert.That(factors[^1], Is.EqualTo(8f));
    }

    [Test]
    public void NewStyleRopeThetaIsRead()
    {
        using var folder = new TempFolder();
        using var model = Open(new TinyHfModel { NewRopeStyle = true, RopeTheta = 1234567 }, folder);
        Assert.That(model.Hyperparameters.RopeTheta, Is.EqualTo(1234567));
        Assert.That(model.RopeFrequencyFactors, Is.Null);
    }

    private static ModelFileException OpenWith(Action<JsonObject> edit, string modelType = "llama")
    {
        using var folder = new TempFolder();
        return Assert.Catch<ModelFileException>(() => Open(new TinyHfModel { ModelType = modelType, EditConfig = edit }, folder).Dispose())!;
    }

    [Test]
    public void ConfigErrorsNameTheFileTheKeyAndTheExpectation()
    {
        Assert.Multiple(() =>
        {
            Assert.That(OpenWith(c => c.Remove("hidden_size")).Message, Does.Contain("config.json: required key 'hidden_size' is missing"));
            Assert.That(OpenWith(c => c["num_hidden_layers"] = "two").Message, Does.Contain("'num_hidden_layers' is \"two\", expected an integer"));
            Assert.That(OpenWith(c => c["rope_scaling"] = 3).Message, Does.Contain("'rope_scaling' is 3, expected a JSON object"));
            Assert.That(OpenWith(c => c["num_key_value_heads"] = 3).Message, Does.Contain("head count 4 is not a multiple of the key/value head count 3"));
            var unsupported = OpenWith(c => c["model_type"] = "mistral");
            Assert.That(unsupported, Is.InstanceOf<UnsupportedModelException>());
            Assert.That(unsupported.Message, Does.Contain("model_type 'mistral'"));
            Assert.That(OpenWith(c => c["rope_scaling"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0 }).Message,
                Does.Contain("rope type 'yarn'"));
            Assert.That(OpenWith(c => c["attention_bias"] = true).Message, Does.Contain("'attention_bias' is true"));
            Assert.That(OpenWith(c => c["hidden_act"] = "gelu").Message, Does.Contain("'hidden_act' is 'gelu'"));
        });
    }

    [Test]
    public void ShapeMismatchNamesBothNames()
    {
        // The config claims a larger feed-forward width than the weights have.
        var error = OpenWith(c => c["intermediate_size"] = 128);
        Assert.That(error.Message, Does.Contain("'blk.0.ffn_gate.weight' ('model.layers.0.mlp.gate_proj.weight') has shape [96, 64], expected [128, 64]"));
    }

    [Test]
    public void MissingConfigAndMissingWeightsAreNamed()
    {
        using var folder = new TempFolder();
        Assert.That(Assert.Catch<ModelFileException>(() => ModelDescription.Open(folder.Path))!.Message, Does.Contain("'config.json' is missing"));
        new TinyHfModel().WriteTo(folder.Path);
        File.Delete(folder.File("model.safetensors"));
        Assert.That(Assert.Catch<ModelFileException>(() => ModelDescription.Open(folder.Path))!.Message,
            Does.Contain("neither 'model.safetensors' nor 'model.safetensors.index.json'"));
    }

    [Test]
    public void MissingTensorIsNamedByItsCanonicalName()
    {
        using var folder = new TempFolder();
        var tiny = new TinyHfModel { Sharded = true };
        tiny.WriteTo(folder.Path);
        // The index claims a tensor the shard does not hold.
        var index = JsonNode.Parse(File.ReadAllText(folder.File("model.safetensors.index.json")))!;
        index["weight_map"]!["model.layers.0.mlp.ghost.weight"] = "model-00001-of-00002.safetensors";
        File.WriteAllText(folder.File("model.safetensors.index.json"), index.ToJsonString());
        var error = Assert.Catch<ModelFileException>(() => ModelDescription.Open(folder.Path))!;
        Assert.That(error.Message, Does.Contain("places tensor 'model.layers.0.mlp.ghost.weight' in 'model-00001-of-00002.safetensors', which does not contain it"));
    }

    [Test]
    public void ShardNamesOutsideTheDirectoryAreRefused()
    {
        using var folder = new TempFolder();
        new TinyHfModel { Sharded = true }.WriteTo(folder.Path);
        var index = JsonNode.Parse(File.ReadAllText(folder.File("model.safetensors.index.json")))!;
        index["weight_map"]!["model.norm.weight"] = "../model-00002-of-00002.safetensors";
        File.WriteAllText(folder.File("model.safetensors.index.json"), index.ToJsonString());
        Assert.That(Assert.Catch<ModelFileException>(() => ModelDescription.Open(folder.Path))!.Message,
            Does.Contain("which is not a file name in the model directory"));
    }

    [Test]
    public void UnsupportedDTypeIsNamedWithTheTensor()
    {
        using var folder = new TempFolder();
        var tiny = new TinyHfModel();
        tiny.WriteTo(folder.Path);
        // Rewrite the file with one tensor stored as I32 (same byte size as F32).
        var builder = new SafetensorsBuilder();
        foreach (var (name, (shape, values)) in tiny.Weights)
        {
            builder.Add(name, name == "model.norm.weight" ? "I32" : "F32", shape,
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        }
        File.WriteAllBytes(folder.File("model.safetensors"), builder.ToBytes());
        var error = Assert.Catch<ModelFileException>(() => ModelDescription.Open(folder.Path))!;
        Assert.That(error, Is.InstanceOf<UnsupportedModelException>());
        Assert.That(error.Message, Does.Contain("unsupported tensor type I32 for tensor 'model.norm.weight' (supported: F32, F16, BF16)"));
    }
}
