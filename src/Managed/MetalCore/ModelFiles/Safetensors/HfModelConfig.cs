using System.Text.Json;
using MetalCore.Models;

namespace MetalCore.ModelFiles.Safetensors;

/// <summary>
/// Reads a Hugging Face <c>config.json</c> (LlamaForCausalLM, Qwen3ForCausalLM) into an
/// architecture and hyperparameters, with transformers' defaults. RoPE settings are read from
/// either the older top-level <c>rope_theta</c> / <c>rope_scaling</c> or the newer
/// <c>rope_parameters</c> object.
/// </summary>
internal static class HfModelConfig
{
    public const string FileName = "config.json";
    private const double DefaultRopeTheta = 10000;

    public static (ModelArchitecture Architecture, ModelHyperparameters Hyperparameters) Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new ModelFileException(directory, $"'{FileName}' is missing from the model directory");
        }
        using var json = JsonFile.Load(path);
        var config = JsonFile.RequireObject(path, json.RootElement, FileName);
        var architecture = ReadArchitecture(path, config);
        RejectUnsupportedFeatures(path, config);

        int Required(string key) => ToInt32(path, key, JsonFile.RequireInt64(path, config, key));
        int? Optional(string key) => JsonFile.OptionalInt64(path, config, key) is { } v ? ToInt32(path, key, v) : null;

        var hidden = Required("hidden_size");
        var heads = Required("num_attention_heads");
        var headDimension = Optional("head_dim") ?? (heads > 0 ? hidden / heads : 0);
        var (theta, scaling) = ReadRope(path, config);
        var hyperparameters = new ModelHyperparameters
        {
            HiddenSize = hidden,
            LayerCount = Required("num_hidden_layers"),
            HeadCount = heads,
            KeyValueHeadCount = Optional("num_key_value_heads") ?? heads,
            HeadDimension = headDimension,
            FeedForwardSize = Required("intermediate_size"),
            VocabularySize = Required("vocab_size"),
            RopeDimensions = headDimension,
            RopeTheta = theta,
            RopeScaling = scaling,
            RmsNormEpsilon = (float)(JsonFile.OptionalDouble(path, config, "rms_norm_eps")
                ?? throw new ModelFileException(path, "required key 'rms_norm_eps' is missing")),
            ContextLength = Required("max_position_embeddings"),
            TiedEmbeddings = JsonFile.OptionalBoolean(path, config, "tie_word_embeddings") ?? false,
            BosTokenId = Optional("bos_token_id"),
            EosTokenIds = ReadTokenIds(path, config, "eos_token_id"),
        };
        return (architecture, hyperparameters);
    }

    private static ModelArchitecture ReadArchitecture(string path, JsonElement config)
    {
        var modelType = JsonFile.OptionalString(path, config, "model_type");
        if (modelType is not null)
        {
            return ModelArchitectureNames.TryParse(modelType)
                ?? throw new UnsupportedModelException(path, $"unsupported architecture: model_type '{modelType}' (supported: {ModelArchitectureNames.Supported})");
        }
        if (JsonFile.TryGet(config, "architectures", out var classes) && classes.ValueKind == JsonValueKind.Array
            && classes.GetArrayLength() > 0 && classes[0].ValueKind == JsonValueKind.String)
        {
            var name = classes[0].GetString()!;
            return ModelArchitectureNames.TryParseHfClass(name)
                ?? throw new UnsupportedModelException(path, $"unsupported architecture '{name}' (supported: {ModelArchitectureNames.Supported})");
        }
        throw new ModelFileException(path, "neither 'model_type' nor 'architectures' names the architecture");
    }

    // Features that change the computation and that MetalCore does not implement: refusing them
    // beats producing a model that silently computes something else.
    private static void RejectUnsupportedFeatures(string path, JsonElement config)
    {
        foreach (var key in new[] { "attention_bias", "mlp_bias" })
        {
            if (JsonFile.OptionalBoolean(path, config, key) == true)
            {
                throw new UnsupportedModelException(path, $"'{key}' is true: biases on the projections are not supported");
            }
        }
        var activation = JsonFile.OptionalString(path, config, "hidden_act");
        if (activation is not null && activation != "silu")
        {
            throw new UnsupportedModelException(path, $"'hidden_act' is '{activation}': only 'silu' (SwiGLU) is supported");
        }
    }

    private static (double Theta, Llama3RopeScaling? Scaling) ReadRope(string path, JsonElement config)
    {
        // Newer transformers write one rope_parameters object holding rope_theta and the scaling
        // fields; older ones a top-level rope_theta and an optional rope_scaling object.
        if (JsonFile.TryGet(config, "rope_parameters", out var parameters))
        {
            JsonFile.RequireObject(path, parameters, "'rope_parameters'");
            var theta = JsonFile.OptionalDouble(path, parameters, "rope_theta")
                ?? JsonFile.OptionalDouble(path, config, "rope_theta") ?? DefaultRopeTheta;
            return (theta, ReadScaling(path, parameters, "rope_parameters"));
        }
        var topLevelTheta = JsonFile.OptionalDouble(path, config, "rope_theta") ?? DefaultRopeTheta;
        if (!JsonFile.TryGet(config, "rope_scaling", out var scaling))
        {
            return (topLevelTheta, null);
        }
        JsonFile.RequireObject(path, scaling, "'rope_scaling'");
        return (topLevelTheta, ReadScaling(path, scaling, "rope_scaling"));
    }

    private static Llama3RopeScaling? ReadScaling(string path, JsonElement scaling, string objectName)
    {
        var type = JsonFile.OptionalString(path, scaling, "rope_type") ?? JsonFile.OptionalString(path, scaling, "type") ?? "default";
        if (type == "default")
        {
            return null;
        }
        if (type != "llama3")
        {
            throw new UnsupportedModelException(path, $"'{objectName}' has rope type '{type}': only 'default' and 'llama3' are supported");
        }
        // The defaults are those of llama.cpp's converter.
        var context = JsonFile.OptionalInt64(path, scaling, "original_max_position_embeddings") ?? 8192;
        var result = new Llama3RopeScaling(
            JsonFile.OptionalDouble(path, scaling, "factor") ?? 8.0,
            JsonFile.OptionalDouble(path, scaling, "low_freq_factor") ?? 1.0,
            JsonFile.OptionalDouble(path, scaling, "high_freq_factor") ?? 4.0,
            ToInt32(path, $"{objectName}.original_max_position_embeddings", context));
        if (!(result.Factor > 0) || !(result.LowFrequencyFactor > 0) || !(result.HighFrequencyFactor > result.LowFrequencyFactor) || result.OriginalContextLength <= 0)
        {
            throw new ModelFileException(path, $"'{objectName}' llama3 parameters are inconsistent: factor {result.Factor}, "
                + $"low_freq_factor {result.LowFrequencyFactor}, high_freq_factor {result.HighFrequencyFactor} (must exceed low_freq_factor), "
                + $"original_max_position_embeddings {result.OriginalContextLength}");
        }
        return result;
    }

    // eos_token_id is an integer or (Llama 3.1 and later) a list of integers.
    private static int[] ReadTokenIds(string path, JsonElement config, string key)
    {
        if (!JsonFile.TryGet(config, key, out var value))
        {
            return [];
        }
        if (value.ValueKind == JsonValueKind.Array)
        {
            return value.EnumerateArray().Select(item => ToInt32(path, key, JsonFile.ToInt64(path, item, key))).ToArray();
        }
        return [ToInt32(path, key, JsonFile.ToInt64(path, value, key))];
    }

    private static int ToInt32(string path, string key, long value) => value is >= int.MinValue and <= int.MaxValue
        ? (int)value
        : throw new ModelFileException(path, $"'{key}' is {value}, too large");
}
