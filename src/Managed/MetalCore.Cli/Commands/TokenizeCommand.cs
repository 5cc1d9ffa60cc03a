using System.CommandLine;
using MetalCore.Tokenization;

namespace MetalCore.Cli.Commands;

/// <summary>`metalcore tokenize`: the model's tokens of a text, as ids or with their pieces.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var command = new Command("tokenize", "Show how a model's tokenizer splits a text.");
        var model = CommonOptions.Model();
        var prompt = new Option<string>("--prompt", "-p") { Description = "The text." };
        var file = new Option<string>("--file", "-f") { Description = "Read the text from a file." };
        var idsOnly = new Option<bool>("--ids") { Description = "Print only the ids, separated by spaces." };
        var special = new Option<bool>("--add-special") { Description = "Add BOS/EOS as the model's metadata asks." };
        var parseSpecial = new Option<bool>("--parse-special") { Description = "Recognize control-token text such as <|im_start|>." };
        foreach (var option in new Option[] { model, prompt, file, idsOnly, special, parseSpecial })
        {
            command.Options.Add(option);
        }
        command.SetCancellableAction((parsed, _) =>
        {
            var text = parsed.GetValue(prompt) ?? (parsed.GetValue(file) is { } path
                ? File.ReadAllText(path)
                : throw new ArgumentException("tokenize needs --prompt TEXT or --file PATH."));
            // Only the vocabulary is needed: no compute device is created.
            var tokenizer = TokenizerFactory.FromModel(parsed.GetValue(model)!);
            var ids = tokenizer.Encode(text, parsed.GetValue(special), parsed.GetValue(parseSpecial));
            if (parsed.GetValue(idsOnly))
            {
                Console.WriteLine(string.Join(' ', ids));
                return;
            }
            foreach (var id in ids)
            {
                Console.WriteLine($"{id,8} {tokenizer.GetTokenText(id)}");
            }
            Console.Error.WriteLine($"{ids.Length} tokens");
        });
        return command;
    }
}
