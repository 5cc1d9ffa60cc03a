using MetalCore.ModelFiles;
using MetalCore.ModelFiles.Gguf;
using MetalCore.Models;

namespace MetalCore.Conversion;

/// <summary>What a conversion wrote.</summary>
/// <param name="OutputPath">The GGUF file.</param>
/// <param name="Tensors">Tensors written.</param>
/// <param name="Bytes">The file's size.</param>
/// <param name="HasTokenizer">Whether tokenizer metadata was written (the directory had a tokenizer.json).</param>
/// <param name="Notes">Per-tensor decisions worth reporting (type fallbacks, a missing tokenizer).</param>
internal sealed record ConversionResult(string OutputPath, int Tensors, long Bytes, bool HasTokenizer, IReadOnlyList<string> Notes);

/// <summary>
/// Converts a Hugging Face / MLX safetensors directory (LlamaForCausalLM, Qwen3ForCausalLM) into a
/// GGUF file that llama.cpp loads: llama.cpp's architecture keys and tensor names, Llama's q/k rows
/// permuted for llama.cpp's interleaved rope, Llama 3 rope scaling as <c>rope_freqs.weight</c>, the
/// tokenizer from tokenizer.json, and 1-D tensors (norms) kept in F32 as llama.cpp keeps them.
/// Tensors are streamed from the mapped safetensors into the output: the model is never held in
/// memory.
/// </summary>
internal static class HfToGgufConverter
{
    /// <summary>The output types: every 2-D weight is written in one of them.</summary>
    public static readonly IReadOnlyList<GgmlType> OutputTypes = [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0];

    // llama.cpp's general.file_type values (enum llama_ftype).
    private static uint FileType(GgmlType type) => type switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 1,
        GgmlType.Q4_0 => 2,
        GgmlType.Q8_0 => 7,
        _ => 32, // BF16
    };

    /// <summary>Converts <paramref name="modelDirectory"/> into <paramref name="outputPath"/>.</summary>
    /// <param name="modelDirectory">The Hugging Face model directory.</param>
    /// <param name="outputPath">The GGUF file to write (replaced when it exists).</param>
    /// <param name="type">The type of the 2-D weights, one of <see cref="OutputTypes"/>.</param>
    /// <param name="name">general.name; the directory's name when null.</param>
    /// <param name="cancellationToken">Stops between tensors (no file is left behind).</param>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not one of <see cref="OutputTypes"/>.</exception>
    /// <exception cref="ModelFileException">The directory is not a valid model (the message names the file and key or tensor).</exception>
    /// <exception cref="UnsupportedModelException">The architecture, a dtype or the tokenizer is not supported.</exception>
    public static ConversionResult Convert(string modelDirectory, string outputPath, GgmlType type, string? name = null,
        CancellationToken cancellationToken = default)
    {
        if (!OutputTypes.Contains(type))
        {
            throw new ArgumentException($"cannot convert to {type}: the output types are {string.Join(", ", OutputTypes)}", nameof(type));
        }
        if (!Directory.Exists(modelDirectory))
        {
            throw new ModelFileException(modelDirectory, "not a directory: convert reads a Hugging Face model directory (config.json and safetensors weights)");
        }
        using var model = ModelDescription.Open(modelDirectory);
        var hp = model.Hyperparameters;
        var notes = new List<string>();
        var writer = new GgufWriter();
        WriteModelMetadata(writer, model, type, name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDirectory))));
        var tokenizer = HfTokenizerMetadata.TryRead(modelDirectory, hp.VocabularySize, hp);
        if (tokenizer is null)
        {
            notes.Add($"no {HfTokenizerMetadata.TokenizerFileName}: the GGUF has no tokenizer (token ids only)");
        }
        tokenizer?.WriteTo(writer);

        var tensors = 0;
        void Add(ModelTensor tensor, bool isVector = false, Func<long, long>? rowOrder = null)
        {
            var target = isVector ? GgmlType.F32 : type;
            var cols = tensor.Shape[^1];
            if (GgmlTypeTraits.RowBytes(target, cols) < 0)
            {
                // As llama.cpp's converter does for rows that are not whole quantization blocks.
                notes.Add($"{tensor.Name}: rows of {cols} are not whole {target} blocks of {GgmlTypeTraits.BlockSize(target)}; written as F16");
                target = GgmlType.F16;
            }
            var dimensions = tensor.Shape.Reverse().ToArray(); // GGUF lists the innermost dimension first
            writer.AddTensor(tensor.Name, target, dimensions, stream => TensorRewriter.Write(tensor, target, rowOrder, stream));
            tensors++;
        }

        if (model.RopeFrequencyFactors is { } factors)
        {
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(factors.AsSpan()).ToArray();
            writer.AddTensor("rope_freqs.weight", GgmlType.F32, [factors.Length], bytes);
            tensors++;
        }
        Add(model.TokenEmbedding);
        var permute = model.Architecture == ModelArchitecture.Llama ? TensorRewriter.InterleaveRopeHalves(hp.HeadDimension) : null;
        foreach (var layer in model.Layers)
        {
            Add(layer.AttentionNorm, isVector: true);
            Add(layer.Query, rowOrder: permute);
            Add(layer.Key, rowOrder: permute);
            Add(layer.Value);
            Add(layer.AttentionOutput);
            if (layer.QueryNorm is { } queryNorm && layer.KeyNorm is { } keyNorm)
            {
                Add(queryNorm, isVector: true);
                Add(keyNorm, isVector: true);
            }
            Add(layer.FeedForwardNorm, isVector: true);
            Add(layer.Gate);
            Add(layer.Up);
            Add(layer.Down);
        }
        Add(model.OutputNorm, isVector: true);
        if (!hp.TiedEmbeddings)
        {
            Add(model.Output);
        }
        writer.WriteTo(outputPath, cancellationToken);
        return new ConversionResult(outputPath, tensors, new FileInfo(outputPath).Length, tokenizer is not null, notes);
    }

    // The general.* keys and the architecture's hyperparameters under llama.cpp's key names.
    private static void WriteModelMetadata(GgufWriter writer, ModelDescription model, GgmlType type, string name)
    {
        var hp = model.Hyperparameters;
        var arch = ModelArchitectureNames.GgufName(model.Architecture);
        writer.AddString(GgufModelReader.ArchitectureKey, arch);
        writer.AddString("general.type", "model");
        writer.AddString("general.name", name);
        writer.AddUInt32($"{arch}.block_count", (uint)hp.LayerCount);
        writer.AddUInt32($"{arch}.context_length", (uint)hp.ContextLength);
        writer.AddUInt32($"{arch}.embedding_length", (uint)hp.HiddenSize);
        writer.AddUInt32($"{arch}.feed_forward_length", (uint)hp.FeedForwardSize);
        writer.AddUInt32($"{arch}.attention.head_count", (uint)hp.HeadCount);
        writer.AddUInt32($"{arch}.attention.head_count_kv", (uint)hp.KeyValueHeadCount);
        writer.AddFloat32($"{arch}.rope.freq_base", (float)hp.RopeTheta);
        writer.AddFloat32($"{arch}.attention.layer_norm_rms_epsilon", hp.RmsNormEpsilon);
        writer.AddUInt32($"{arch}.attention.key_length", (uint)hp.HeadDimension);
        writer.AddUInt32($"{arch}.attention.value_length", (uint)hp.HeadDimension);
        writer.AddUInt32("general.file_type", FileType(type));
        writer.AddUInt32($"{arch}.vocab_size", (uint)hp.VocabularySize);
        writer.AddUInt32($"{arch}.rope.dimension_count", (uint)hp.RopeDimensions);
        writer.AddUInt32("general.quantization_version", 2);
    }
}
