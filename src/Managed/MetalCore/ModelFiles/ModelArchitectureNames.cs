using MetalCore.Models;

namespace MetalCore.ModelFiles;

/// <summary>How an architecture is named in GGUF files and Hugging Face configs.</summary>
internal static class ModelArchitectureNames
{
    /// <summary>The GGUF <c>general.architecture</c> value (also the prefix of its metadata keys).</summary>
    public static string GgufName(ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Llama => "llama",
        ModelArchitecture.Qwen3 => "qwen3",
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "no GGUF name"),
    };

    /// <summary>Parses a GGUF architecture name or an HF <c>model_type</c> (both are "llama" / "qwen3").</summary>
    public static ModelArchitecture? TryParse(string name) => name switch
    {
        "llama" => ModelArchitecture.Llama,
        "qwen3" => ModelArchitecture.Qwen3,
        _ => null,
    };

    /// <summary>Parses an HF <c>architectures</c> entry.</summary>
    public static ModelArchitecture? TryParseHfClass(string name) => name switch
    {
        "LlamaForCausalLM" => ModelArchitecture.Llama,
        "Qwen3ForCausalLM" => ModelArchitecture.Qwen3,
        _ => null,
    };

    public const string Supported = "llama (LlamaForCausalLM), qwen3 (Qwen3ForCausalLM)";
}
