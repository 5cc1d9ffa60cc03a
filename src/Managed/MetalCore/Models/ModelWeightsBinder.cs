using System.Runtime.InteropServices;
using MetalCore.ModelFiles;
using MetalCore.Quantization;
using MetalCore.Runtime;

namespace MetalCore.Models;

/// <summary>
/// Turns a validated <see cref="ModelDescription"/> (GGUF or Hugging Face safetensors) into the
/// compute graph's <see cref="TransformerConfig"/> and device views of its weights. Each mapped
/// file is wrapped once, whole, so matrices and embeddings are zero-copy wherever the backend
/// shares host memory; only what the ops need in another type is converted: norm weights, which
/// rms_norm takes in F32 (a few KB per layer), and the rope frequency factors.
/// </summary>
internal static class ModelWeightsBinder
{
    public static TransformerConfig ReadConfig(ModelDescription model)
    {
        var hp = model.Hyperparameters;
        return new TransformerConfig
        {
            Architecture = model.Architecture,
            HiddenSize = hp.HiddenSize,
            Layers = hp.LayerCount,
            Heads = hp.HeadCount,
            KvHeads = hp.KeyValueHeadCount,
            HeadDim = hp.HeadDimension,
            FeedForwardSize = hp.FeedForwardSize,
            VocabularySize = hp.VocabularySize,
            TrainedContextLength = hp.ContextLength,
            RmsNormEps = hp.RmsNormEpsilon,
            RopeTheta = (float)hp.RopeTheta,
            RopeDims = hp.RopeDimensions,
            RopeLayout = model.RopeLayout,
            RopeFrequencyFactors = model.RopeFrequencyFactors,
        };
    }

    public static unsafe ModelWeights ReadWeights(ModelDescription model, ComputeContext context, OwnedTensors owned)
    {
        var buffers = model.MappedFiles.ToDictionary(
            f => f.FilePath,
            f => (Region: f, Buffer: owned.Adopt(context.WrapHost((void*)f.Address, (ulong)f.Length))));

        // Where a tensor lies: its file's buffer and its offset in it.
        (DeviceBuffer Buffer, ulong Offset) Locate(ModelTensor tensor)
        {
            var (region, buffer) = buffers[tensor.FilePath];
            return (buffer, (ulong)(tensor.Address - region.Address));
        }

        // A matrix [rows, cols] (outermost first) viewed in place.
        TensorView Matrix(ModelTensor tensor)
        {
            var (buffer, offset) = Locate(tensor);
            return buffer.View(tensor.Type, checked((int)tensor.Shape[0]), checked((int)tensor.Shape[1]), offset);
        }

        // A norm weight: in place when it is F32, converted otherwise.
        TensorView Vector(ModelTensor tensor)
        {
            if (tensor.Type != GgmlType.F32)
            {
                return Upload(owned, Dequantize(tensor));
            }
            var (buffer, offset) = Locate(tensor);
            return buffer.View(GgmlType.F32, 1, checked((int)tensor.Shape[0]), offset);
        }

        TensorView? OptionalVector(ModelTensor? tensor) => tensor is null ? null : Vector(tensor);

        var layers = model.Layers.Select(l => new LayerWeights
        {
            AttentionNorm = Vector(l.AttentionNorm),
            Query = Matrix(l.Query),
            Key = Matrix(l.Key),
            Value = Matrix(l.Value),
            Output = Matrix(l.AttentionOutput),
            QueryNorm = OptionalVector(l.QueryNorm),
            KeyNorm = OptionalVector(l.KeyNorm),
            FeedForwardNorm = Vector(l.FeedForwardNorm),
            Gate = Matrix(l.Gate),
            Up = Matrix(l.Up),
            Down = Matrix(l.Down),
        }).ToArray();
        var embedding = Matrix(model.TokenEmbedding);
        return new ModelWeights
        {
            TokenEmbedding = embedding,
            Layers = layers,
            OutputNorm = Vector(model.OutputNorm),
            Output = ReferenceEquals(model.Output, model.TokenEmbedding) ? embedding : Matrix(model.Output),
            RopeFrequencyFactors = model.RopeFrequencyFactors is { } factors ? Upload(owned, factors) : null,
        };
    }

    private static float[] Dequantize(ModelTensor tensor)
    {
        var values = new float[tensor.ElementCount];
        GgmlQuantizer.Dequantize(tensor.Bytes, tensor.Type, values);
        return values;
    }

    private static TensorView Upload(OwnedTensors owned, float[] values)
    {
        var view = owned.Allocate(GgmlType.F32, 1, values.Length);
        view.Buffer.Write<float>(values);
        return view;
    }
}
