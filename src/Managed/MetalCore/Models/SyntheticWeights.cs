using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MetalCore.ModelFiles;
using MetalCore.Runtime;

namespace MetalCore.Models;

/// <summary>
/// Random weights for a <see cref="TransformerConfig"/>: every matrix in one tensor type with
/// small, finite values (so activations stay finite and no kernel hits a slow path), norms of
/// ones, the output tied to the embedding as in the models the shapes come from.
/// </summary>
internal static class SyntheticWeights
{
    private const int ChunkBytes = 1 << 22;

    public static ModelWeights Create(TransformerConfig c, GgmlType type, ComputeContext context, OwnedTensors owned, ulong seed)
    {
        if (!GgmlTypeTraits.IsSupported(type))
        {
            throw new ArgumentException($"Synthetic weights of type {type} are not supported.", nameof(type));
        }
        var random = new Sampling.RandomSource(seed);
        TensorView Matrix(int rows, int cols) => Fill(owned.Allocate(type, rows, cols), random);
        TensorView Ones(int cols)
        {
            var view = owned.Allocate(GgmlType.F32, 1, cols);
            view.Buffer.Write<float>(Enumerable.Repeat(1f, cols).ToArray());
            return view;
        }

        var layers = new LayerWeights[c.Layers];
        for (var i = 0; i < c.Layers; i++)
        {
            var qwen3 = c.Architecture == ModelArchitecture.Qwen3;
            layers[i] = new LayerWeights
            {
                AttentionNorm = Ones(c.HiddenSize),
                Query = Matrix(c.QueryWidth, c.HiddenSize),
                Key = Matrix(c.KeyValueWidth, c.HiddenSize),
                Value = Matrix(c.KeyValueWidth, c.HiddenSize),
                Output = Matrix(c.HiddenSize, c.QueryWidth),
                QueryNorm = qwen3 ? Ones(c.HeadDim) : null,
                KeyNorm = qwen3 ? Ones(c.HeadDim) : null,
                FeedForwardNorm = Ones(c.HiddenSize),
                Gate = Matrix(c.FeedForwardSize, c.HiddenSize),
                Up = Matrix(c.FeedForwardSize, c.HiddenSize),
                Down = Matrix(c.HiddenSize, c.FeedForwardSize),
            };
        }
        var embedding = Matrix(c.VocabularySize, c.HiddenSize);
        TensorView? factors = null;
        if (c.RopeFrequencyFactors is { } values)
        {
            factors = owned.Allocate(GgmlType.F32, 1, values.Length);
            factors.Value.Buffer.Write<float>(values);
        }
        return new ModelWeights
        {
            TokenEmbedding = embedding,
            Layers = layers,
            OutputNorm = Ones(c.HiddenSize),
            Output = embedding,
            RopeFrequencyFactors = factors,
        };
    }

    // Writes random valid data, chunk by chunk.
    private static TensorView Fill(TensorView view, Sampling.RandomSource random)
    {
        var blockBytes = GgmlTypeTraits.BlockBytes(view.Type);
        var total = (long)view.RowBytes * view.Rows;
        // Whole blocks and whole 8-byte words per chunk (a final partial word stays zero: a valid value).
        var chunk = new byte[Math.Min(total, ChunkBytes / (blockBytes * 8) * (blockBytes * 8))];
        for (long offset = 0; offset < total; offset += chunk.Length)
        {
            var span = chunk.AsSpan(0, (int)Math.Min(chunk.Length, total - offset));
            RandomValues(view.Type, span, random);
            view.Buffer.Write<byte>(span, (ulong)offset);
        }
        return view;
    }

    // Random bits made into small finite values: floats keep a random sign and mantissa with
    // an exponent of 2^-7; quantized blocks get a scale of 1/64 (and a minimum of -1/8 where
    // the type has one) over random quants.
    private static void RandomValues(GgmlType type, Span<byte> bytes, Sampling.RandomSource random)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = random.NextUInt64();
        }
        switch (type)
        {
            case GgmlType.F32:
                foreach (ref var x in MemoryMarshal.Cast<byte, uint>(bytes))
                {
                    x = (x & 0x807F_FFFFu) | (120u << 23);
                }
                break;
            case GgmlType.F16:
                foreach (ref var x in MemoryMarshal.Cast<byte, ushort>(bytes))
                {
                    x = (ushort)((x & 0x83FF) | (8 << 10));
                }
                break;
            case GgmlType.BF16:
                foreach (ref var x in MemoryMarshal.Cast<byte, ushort>(bytes))
                {
                    x = (ushort)((x & 0x807F) | (120 << 7));
                }
                break;
            default:
                var blockBytes = GgmlTypeTraits.BlockBytes(type);
                var hasMinimum = type is GgmlType.Q4_1 or GgmlType.Q5_1;
                for (var i = 0; i < bytes.Length; i += blockBytes)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(bytes[i..], (Half)(1.0 / 64));
                    if (hasMinimum)
                    {
                        BinaryPrimitives.WriteHalfLittleEndian(bytes[(i + 2)..], (Half)(-1.0 / 8));
                    }
                }
                break;
        }
    }
}
