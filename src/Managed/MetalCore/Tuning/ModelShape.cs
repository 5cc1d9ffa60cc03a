using MetalCore.ModelFiles;
using MetalCore.Models;

namespace MetalCore.Tuning;

/// <summary>
/// The key of a model's shape in tuning tables and calibration caches: everything that changes
/// which kernel settings are fastest (architecture, sizes, weight type), nothing that does not
/// (the file's name, the weights' values). A synthetic model and the real file of the same
/// shape and type share a key.
/// </summary>
internal static class ModelShape
{
    /// <summary>The wildcard shape of a tuning-table entry that applies to every model.</summary>
    public const string Any = "*";

    /// <summary>E.g. "qwen3 h1024 l28 a16/8x128 f3072 v151936 Q8_0".</summary>
    public static string Key(TransformerConfig config, GgmlType weightType) =>
        $"{config.Architecture.ToString().ToLowerInvariant()} h{config.HiddenSize} l{config.Layers} "
        + $"a{config.Heads}/{config.KvHeads}x{config.HeadDim} f{config.FeedForwardSize} v{config.VocabularySize} {weightType}";

    /// <summary>The key of a model file or directory (GGUF, safetensors), read without loading its weights.</summary>
    /// <exception cref="ModelFileException">The file is not a valid or supported model.</exception>
    public static string KeyOfFile(string path)
    {
        using var model = ModelDescription.Open(path);
        return Key(ModelWeightsBinder.ReadConfig(model), model.Layers[0].Gate.Type);
    }
}
