namespace MetalCore.ModelFiles;

/// <summary>The model architectures MetalCore runs.</summary>
public enum ModelArchitecture
{
    /// <summary>Llama (1, 2, 3.x) and Llama-shaped models: GGUF <c>llama</c>, HF <c>LlamaForCausalLM</c>.</summary>
    Llama,

    /// <summary>Qwen3 dense models (Llama plus RMS norms on q and k per head): GGUF <c>qwen3</c>, HF <c>Qwen3ForCausalLM</c>.</summary>
    Qwen3,
}

/// <summary>How an architecture is named in GGUF files and Hugging Face configs.</summary>
internal static class ModelArchitectureNames
{
    /// <summary>The GGUF <c>general.architecture</c> value (also the prefix of its metadata keys).</summary>
    public static string GgufName(ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Llama => "llama",
        _ => "qwen3",
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
