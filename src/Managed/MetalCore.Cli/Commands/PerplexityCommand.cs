using System.CommandLine;
using MetalCore.Evaluation;
using MetalCore.ModelFiles;
using MetalCore.Models;

namespace MetalCore.Cli.Commands;

/// <summary>`metalcore perplexity`: llama.cpp-style perplexity of a model over a text file.</summary>
internal static class PerplexityCommand
{
    public static Command Create()
    {
        var command = new Command("perplexity",
            "Perplexity over a text file, defined as llama.cpp's perplexity tool defines it: the whole file is tokenized "
            + "(with BOS when the model adds one) and cut into consecutive chunks of --ctx tokens (a shorter remainder is dropped; "
            + "at least two chunks are needed); each chunk is evaluated in a fresh context with its first token replaced by BOS "
            + "(when the model adds one), and only its second half is scored: the tokens at chunk positions ctx/2+1 .. ctx-1, "
            + "each given every token before it in the chunk. ppl = exp(sum of -ln p(token) / tokens scored). "
            + "Computed in float32 logits with an F32 KV cache.");
        var model = ModelArguments.AddTo(command);
        var file = new Option<string>("--file", "-f") { Description = "The text file (UTF-8).", Required = true };
        var batch = new Option<int>("--batch") { Description = "Tokens per forward pass.", DefaultValueFactory = _ => 128 };
        command.Options.Add(file);
        command.Options.Add(batch);
        command.SetCancellableAction((parsed, cancellation) =>
        {
            var path = parsed.GetValue(file)!;
            var text = File.Exists(path) ? File.ReadAllText(path) : throw new FileNotFoundException($"--file: '{path}' does not exist.", path);
            if (parsed.GetValue(batch) <= 0)
            {
                throw new ArgumentException("--batch must be positive.");
            }
            using var loaded = model.Read(parsed).Load();
            var tokenizer = loaded.RequireTokenizer();
            var context = model.ContextFor(parsed, loaded);
            var tokens = tokenizer.Encode(text, addSpecial: true);
            var bos = tokenizer.AddsBosToken ? tokenizer.BosTokenId : null;
            var rows = Math.Min(parsed.GetValue(batch), context);
            using var session = loaded.CreateSession(new SessionOptions
            {
                ContextLength = context,
                KvCacheType = GgmlType.F32,
                BatchSize = rows,
                MaxLogitRows = rows,
            });
            Console.Error.WriteLine($"{tokens.Length} tokens, {tokens.Length / context} chunks of {context}");
            var result = Perplexity.OfChunks(session, tokens, context, bos,
                (done, chunks, running) => Console.Error.Write($"\r[{done}/{chunks}] ppl {running.Perplexity:F4}"), cancellation);
            Console.Error.WriteLine();
            Console.WriteLine($"ppl {result.Perplexity:F4} over {result.ScoredTokens} tokens scored (ctx {context}, {tokens.Length / context} chunks)");
        });
        return command;
    }
}
