using MetalCore.Models;

namespace MetalCore.ModelFiles;

/// <summary>
/// Finds the weights a <see cref="ModelDescription"/> needs by canonical name and checks each
/// one's shape against the hyperparameters, failing with the tensor, the expected and the actual
/// shape (outermost dimension first).
/// </summary>
internal sealed class TensorBinder(string source, ModelArchitecture architecture, ModelHyperparameters hp, Func<string, ModelTensor?> lookup)
{
    public ModelTensor Require(string name) =>
        Optional(name) ?? throw new ModelFileException(source, $"required tensor '{name}' is missing");

    public ModelTensor? Optional(string name)
    {
        var tensor = lookup(name);
        if (tensor is not null)
        {
            CheckShape(tensor, ExpectedShape(name));
        }
        return tensor;
    }

    public ModelTensor Require(int layer, string role) => Require(TensorNames.Layer(layer, role));

    /// <summary>Qwen3's per-head q/k norms: required there, absent from Llama.</summary>
    public ModelTensor? ForQwen3(int layer, string role) =>
        architecture == ModelArchitecture.Qwen3 ? Require(layer, role) : null;

    private long[] ExpectedShape(string name)
    {
        long hidden = hp.HiddenSize, vocab = hp.VocabularySize, ffn = hp.FeedForwardSize;
        long query = hp.QueryWidth, keyValue = hp.KeyValueWidth, head = hp.HeadDimension;
        if (name is TensorNames.TokenEmbedding or TensorNames.Output)
        {
            return [vocab, hidden];
        }
        if (name == TensorNames.OutputNorm)
        {
            return [hidden];
        }
        if (name == TensorNames.RopeFrequencies)
        {
            return [hp.RopeDimensions / 2];
        }
        // Per-layer names are blk.N.<role>.weight.
        var role = name.Split('.')[2];
        return role switch
        {
            TensorNames.AttentionNorm or TensorNames.FeedForwardNorm => [hidden],
            TensorNames.Query => [query, hidden],
            TensorNames.Key or TensorNames.Value => [keyValue, hidden],
            TensorNames.AttentionOutput => [hidden, query],
            TensorNames.QueryNorm or TensorNames.KeyNorm => [head],
            TensorNames.Gate or TensorNames.Up => [ffn, hidden],
            _ => [hidden, ffn], // ffn_down
        };
    }

    private void CheckShape(ModelTensor tensor, long[] expected)
    {
        if (!tensor.Shape.SequenceEqual(expected))
        {
            var alias = tensor.SourceName == tensor.Name ? "" : $" ('{tensor.SourceName}')";
            throw new ModelFileException(tensor.FilePath,
                $"tensor '{tensor.Name}'{alias} has shape [{string.Join(", ", tensor.Shape)}], expected [{string.Join(", ", expected)}] "
                + $"(outermost first) for hidden {hp.HiddenSize}, heads {hp.HeadCount}, kv heads {hp.KeyValueHeadCount}, "
                + $"head dim {hp.HeadDimension}, ffn {hp.FeedForwardSize}, vocab {hp.VocabularySize}");
        }
    }
}
