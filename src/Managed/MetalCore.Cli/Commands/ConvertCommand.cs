using System.CommandLine;
using MetalCore.Conversion;
using MetalCore.ModelFiles;

namespace MetalCore.Cli.Commands;

/// <summary>`metalcore convert`: a Hugging Face safetensors directory to a llama.cpp-compatible GGUF file.</summary>
internal static class ConvertCommand
{
    private static readonly Dictionary<string, GgmlType> s_types = new(StringComparer.OrdinalIgnoreCase)
    {
        ["f32"] = GgmlType.F32,
        ["f16"] = GgmlType.F16,
        ["bf16"] = GgmlType.BF16,
        ["q8_0"] = GgmlType.Q8_0,
        ["q4_0"] = GgmlType.Q4_0,
    };

    public static Command Create()
    {
        var command = new Command("convert",
            "Convert a Hugging Face / MLX safetensors model directory (LlamaForCausalLM, Qwen3ForCausalLM: config.json, "
            + "model.safetensors or shards with their index, tokenizer.json) into a GGUF file that MetalCore and llama.cpp load. "
            + "Norm weights stay F32; Llama q/k rows are permuted for llama.cpp's rope.");
        var directory = new Argument<string>("model-directory") { Description = "The Hugging Face model directory." };
        var output = new Option<string>("--output", "-o") { Description = "The GGUF file to write.", Required = true };
        var type = new Option<string>("--type")
        {
            Description = "Type of the 2-D weights: f32, f16, bf16, q8_0 or q4_0.",
            DefaultValueFactory = _ => "f16",
        };
        type.AcceptOnlyFromAmong([.. s_types.Keys]);
        var name = new Option<string?>("--name") { Description = "The model's name (general.name); the directory's name by default." };
        command.Arguments.Add(directory);
        command.Options.Add(output);
        command.Options.Add(type);
        command.Options.Add(name);
        command.SetCancellableAction((parsed, cancellation) =>
        {
            var result = HfToGgufConverter.Convert(parsed.GetValue(directory)!, parsed.GetValue(output)!, s_types[parsed.GetValue(type)!],
                parsed.GetValue(name), cancellation);
            foreach (var note in result.Notes)
            {
                Console.Error.WriteLine($"note: {note}");
            }
            Console.Error.WriteLine($"wrote {result.OutputPath}: {result.Tensors} tensors, {result.Bytes:N0} bytes"
                + (result.HasTokenizer ? ", with tokenizer" : ", no tokenizer"));
        });
        return command;
    }
}
