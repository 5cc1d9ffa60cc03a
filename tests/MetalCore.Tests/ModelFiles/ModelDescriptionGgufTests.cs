using System.Runtime.InteropServices;
using MetalCore.ModelFiles;
using MetalCore.Models;
using MetalCore.Runtime;
using MetalCore.Tests.Infrastructure;

namespace MetalCore.Tests.ModelFiles;

/// <summary>The unified description of GGUF models: the stories260K fixture, and precise changes to it.</summary>
public sealed class ModelDescriptionGgufTests
{
    private static string Stories => Fixtures.Require("models/stories260K/stories260K.gguf");

    [Test]
    public void StoriesDescriptionHasThePublishedHyperparameters()
    {
        using var model = ModelDescription.Open(Stories);
        var hp = model.Hyperparameters;
        Assert.Multiple(() =>
        {
            Assert.That(model.Format, Is.EqualTo(ModelFileFormat.Gguf));
            Assert.That(model.Architecture, Is.EqualTo(ModelArchitecture.Llama));
            Assert.That(model.RopeLayout, Is.EqualTo(RopeLayout.Interleaved), "the README: rope in the interleaved layout");
            Assert.That(hp.HiddenSize, Is.EqualTo(64));
            Assert.That(hp.LayerCount, Is.EqualTo(5));
            Assert.That(hp.HeadCount, Is.EqualTo(8));
            Assert.That(hp.KeyValueHeadCount, Is.EqualTo(4));
            Assert.That(hp.HeadDimension, Is.EqualTo(8));
            Assert.That(hp.FeedForwardSize, Is.EqualTo(172));
            Assert.That(hp.VocabularySize, Is.EqualTo(512));
            Assert.That(hp.RopeDimensions, Is.EqualTo(8));
            Assert.That(hp.RmsNormEpsilon, Is.EqualTo(1e-5f));
            Assert.That(hp.BosTokenId, Is.EqualTo(1));
            Assert.That(hp.EosTokenIds, Is.EqualTo(new[] { 2 }));
            Assert.That(hp.RopeTheta, Is.EqualTo(10000), "llama.cpp's default when rope.freq_base is absent");
            Assert.That(hp.TiedEmbeddings, Is.False);
            Assert.That(model.RopeFrequencyFactors, Is.Null);
        });
    }

    [Test]
    public void StoriesTensorsAreBoundWithOutermostFirstShapes()
    {
        using var model = ModelDescription.Open(Stories);
        Assert.That(model.Layers, Has.Count.EqualTo(5));
        var layer = model.Layers[3];
        Assert.Multiple(() =>
        {
            Assert.That(model.TokenEmbedding.Shape, Is.EqualTo(new long[] { 512, 64 }));
            Assert.That(model.Output.Name, Is.EqualTo("output.weight"));
            Assert.That(model.OutputNorm.Shape, Is.EqualTo(new long[] { 64 }));
            Assert.That(layer.Query.Name, Is.EqualTo("blk.3.attn_q.weight"));
            Assert.That(layer.Key.Shape, Is.EqualTo(new long[] { 32, 64 }));
            Assert.That(layer.Value.Shape, Is.EqualTo(new long[] { 32, 64 }));
            Assert.That(layer.AttentionOutput.Shape, Is.EqualTo(new long[] { 64, 64 }));
            Assert.That(layer.Gate.Shape, Is.EqualTo(new long[] { 172, 64 }));
            Assert.That(layer.Down.Shape, Is.EqualTo(new long[] { 64, 172 }));
            Assert.That(layer.QueryNorm, Is.Null);
            Assert.That(layer.Up.Type, Is.EqualTo(GgmlType.F32));
            Assert.That(layer.Up.ByteLength, Is.EqualTo(172 * 64 * 4));
        });
    }

    [Test]
    public void TensorAddressesAreTheGgufTensorBytes()
    {
        using var model = ModelDescription.Open(Stories);
        var viaFile = model.Gguf!.GetTensorBytes(model.Gguf.GetTensor("blk.1.ffn_norm.weight")).ToArray();
        Assert.That(model.Layers[1].FeedForwardNorm.Bytes.ToArray(), Is.EqualTo(viaFile));
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = model.Layers[1].FeedForwardNorm.Address);
    }

    private static ModelFileException OpenRewritten(Action<GgufRewriter> change)
    {
        using var folder = new TempFolder();
        var path = folder.File("changed.gguf");
        var rewriter = new GgufRewriter(Stories);
        change(rewriter);
        rewriter.WriteTo(path);
        return Assert.Catch<ModelFileException>(() => ModelDescription.Open(path).Dispose())!;
    }

    [Test]
    public void ShapeMismatchNamesTheTensorAndBothShapes()
    {
        var error = OpenRewritten(r => r.SetUInt32("llama.attention.head_count_kv", 8));
        Assert.That(error.Message, Does.Contain("'blk.0.attn_k.weight'").And.Contain("[32, 64]").And.Contain("expected [64, 64]"));
    }

    [Test]
    public void UnsupportedArchitectureIsNamed()
    {
        var error = OpenRewritten(r => r.SetString("general.architecture", "gpt2"));
        Assert.That(error, Is.InstanceOf<UnsupportedModelException>());
        Assert.That(error.Message, Does.Contain("unsupported architecture 'gpt2'"));
    }

    [Test]
    public void UnsupportedTensorTypeIsNamedWhenTheTensorIsUsed()
    {
        var error = OpenRewritten(r => r.SetTensor("output_norm.weight", GgmlType.I32, [64], new byte[256]));
        Assert.That(error, Is.InstanceOf<UnsupportedModelException>());
        Assert.That(error.Message, Does.Contain("unsupported tensor type I32 for tensor 'output_norm.weight'"));
    }

    [Test]
    public void MissingTensorAndMissingKeyAreNamed()
    {
        Assert.That(OpenRewritten(r => r.RemoveTensor("blk.4.ffn_up.weight")).Message, Does.Contain("'blk.4.ffn_up.weight' is missing"));
        Assert.That(OpenRewritten(r => r.RemoveKey("llama.block_count")).Message, Does.Contain("'llama.block_count' is missing"));
    }

    [Test]
    public void WithoutOutputWeightTheEmbeddingIsTied()
    {
        using var folder = new TempFolder();
        var path = folder.File("tied.gguf");
        new GgufRewriter(Stories).RemoveTensor("output.weight").WriteTo(path);
        using var model = ModelDescription.Open(path);
        Assert.That(model.Hyperparameters.TiedEmbeddings, Is.True);
        Assert.That(model.Output, Is.SameAs(model.TokenEmbedding));
    }

    [Test]
    public void RopeFrequencyFactorsAreReadFromRopeFreqsWeight()
    {
        using var folder = new TempFolder();
        var path = folder.File("freqs.gguf");
        float[] factors = [1f, 1f, 2.5f, 8f];
        new GgufRewriter(Stories).SetTensor("rope_freqs.weight", GgmlType.F32, [4], MemoryMarshal.AsBytes(factors.AsSpan()).ToArray()).WriteTo(path);
        using var model = ModelDescription.Open(path);
        Assert.That(model.RopeFrequencyFactors, Is.EqualTo(factors));
        // The wrong length (rope dim 8 → 4 pairs) is a shape error.
        var error = OpenRewritten(r => r.SetTensor("rope_freqs.weight", GgmlType.F32, [3], new byte[12]));
        Assert.That(error.Message, Does.Contain("'rope_freqs.weight'").And.Contain("expected [4]"));
    }

    [Test]
    public void ScaledRopeTypesOtherThanLlama3AreRefused()
    {
        var error = OpenRewritten(r => r.SetString("llama.rope.scaling.type", "yarn"));
        Assert.That(error, Is.InstanceOf<UnsupportedModelException>());
        Assert.That(error.Message, Does.Contain("'llama.rope.scaling.type' is 'yarn'"));
    }
}
