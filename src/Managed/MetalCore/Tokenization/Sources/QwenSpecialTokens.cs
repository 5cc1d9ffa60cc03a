namespace MetalCore.Tokenization;

/// <summary>
/// The tokens Qwen2.5 and Qwen3 add after the 151,643 BPE ranks of qwen.tiktoken, with their
/// "special" flags, from the <c>added_tokens_decoder</c> of Qwen's tokenizer_config.json
/// (https://huggingface.co/Qwen/Qwen3-4B/blob/main/tokenizer_config.json; Qwen2.5 has the same
/// entries up to 151664). Special ones are control tokens; the others (tool calls, fill-in-the-
/// middle, thinking markers) are always matched in text, as Hugging Face does.
/// </summary>
internal static class QwenSpecialTokens
{
    public static IReadOnlyList<AddedToken> All { get; } =
    [
        new(151643, "<|endoftext|>", true),
        new(151644, "<|im_start|>", true),
        new(151645, "<|im_end|>", true),
        new(151646, "<|object_ref_start|>", true),
        new(151647, "<|object_ref_end|>", true),
        new(151648, "<|box_start|>", true),
        new(151649, "<|box_end|>", true),
        new(151650, "<|quad_start|>", true),
        new(151651, "<|quad_end|>", true),
        new(151652, "<|vision_start|>", true),
        new(151653, "<|vision_end|>", true),
        new(151654, "<|vision_pad|>", true),
        new(151655, "<|image_pad|>", true),
        new(151656, "<|video_pad|>", true),
        new(151657, "<tool_call>", false),
        new(151658, "</tool_call>", false),
        new(151659, "<|fim_prefix|>", false),
        new(151660, "<|fim_middle|>", false),
        new(151661, "<|fim_suffix|>", false),
        new(151662, "<|fim_pad|>", false),
        new(151663, "<|repo_name|>", false),
        new(151664, "<|file_sep|>", false),
        new(151665, "<tool_response>", false),
        new(151666, "</tool_response>", false),
        new(151667, "<think>", false),
        new(151668, "</think>", false),
    ];

    /// <summary>Qwen3's end-of-sequence token (tokenizer_config.json <c>eos_token</c>); <c>&lt;|endoftext|&gt;</c> also ends generation.</summary>
    public const string EndOfSequence = "<|im_end|>";
}
