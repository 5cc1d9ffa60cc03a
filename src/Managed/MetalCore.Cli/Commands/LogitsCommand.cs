using System.CommandLine;
using MetalCore.ModelFiles;
using MetalCore.Models;

namespace MetalCore.Cli.Commands;

/// <summary>`metalcore logits`: float32 logits [tokens, vocabulary] of every position, as .npy.</summary>
internal static class LogitsCommand
{
    public static Command Create()
    {
        var command = new Command("logits", "Write the logits of every position of a token sequence to a .npy file.");
        var model = ModelArguments.AddTo(command);
        var tokens = new Option<string>("--tokens") { Description = "Token ids separated by spaces or commas.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Output .npy file.", Required = true };
        command.Options.Add(tokens);
        command.Options.Add(output);
        command.SetCancellableAction((parsed, _) =>
        {
            var ids = ParseIds(parsed.GetValue(tokens)!);
            using var loaded = model.Read(parsed).Load();
            using var session = loaded.CreateSession(new SessionOptions
            {
                ContextLength = Math.Max(ids.Length, model.ContextFor(parsed, loaded)),
                KvCacheType = GgmlType.F32,
            });
            var logits = new float[ids.Length * session.VocabularySize];
            session.AppendAll(ids, logits);
            NpyWriter.WriteFloat32(parsed.GetValue(output)!, logits, ids.Length, session.VocabularySize);
            Console.Error.WriteLine($"wrote logits [{ids.Length}, {session.VocabularySize}] to {parsed.GetValue(output)}");
        });
        return command;
    }

    /// <summary>Parses "1 2 3" or "1,2,3"; names the first entry that is not an integer.</summary>
    internal static int[] ParseIds(string text) =>
        text.Split((char[])[' ', ',', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(part => int.TryParse(part, out var id) ? id
                : throw new FormatException($"--tokens: '{part}' is not a token id (expected integers separated by spaces or commas)."))
            .ToArray();
}
