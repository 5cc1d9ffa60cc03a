"""PyTorch + transformers decode baseline on the synthetic shapes MetalCore benchmarks.

Random-weight models with the exact shapes of SyntheticShapes.cs (BF16, SDPA attention, output
tied to the embedding as in the real models), greedy `generate` with a static KV cache
(cache_implementation="static"). Decode tok/s of a run = 128 / (time of a 129-token generate
minus time of a 1-token generate), both from the same prompt, so prompt processing and
generate's setup cancel out. Prints one JSON line per (shape, context) and writes them to --out.

Usage: python3 torch_decode.py --out torch.json [--runs 5] [--warmup 2] [--contexts 128 4096]"""
import argparse
import json
import statistics
import time

import torch
import transformers

SHAPES = {
    "Qwen3-0.6B": dict(arch="qwen3", hidden=1024, layers=28, heads=16, kv=8, head_dim=128, ffn=3072, vocab=151936,
                       theta=1e6, eps=1e-6),
    "Qwen3-1.7B": dict(arch="qwen3", hidden=2048, layers=28, heads=16, kv=8, head_dim=128, ffn=6144, vocab=151936,
                       theta=1e6, eps=1e-6),
    "Llama-3.2-1B": dict(arch="llama", hidden=2048, layers=16, heads=32, kv=8, head_dim=64, ffn=8192, vocab=128256,
                         theta=5e5, eps=1e-5, llama3=dict(factor=32.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                                          original_max_position_embeddings=8192)),
}


def make_config(s, positions):
    rope = {"rope_type": "default", "rope_theta": s["theta"]}
    if "llama3" in s:
        rope = {"rope_type": "llama3", "rope_theta": s["theta"], **s["llama3"]}
    common = dict(hidden_size=s["hidden"], intermediate_size=s["ffn"], num_hidden_layers=s["layers"],
                  num_attention_heads=s["heads"], num_key_value_heads=s["kv"], head_dim=s["head_dim"],
                  vocab_size=s["vocab"], rms_norm_eps=s["eps"], max_position_embeddings=positions,
                  tie_word_embeddings=True, hidden_act="silu")
    cls = transformers.Qwen3Config if s["arch"] == "qwen3" else transformers.LlamaConfig
    try:
        return cls(**common, rope_parameters=rope)  # transformers 5
    except TypeError:
        scaling = None if rope["rope_type"] == "default" else {k: v for k, v in rope.items() if k != "rope_theta"}
        return cls(**common, rope_theta=s["theta"], rope_scaling=scaling)  # transformers 4


def timed_generate(model, prompt, new_tokens):
    torch.cuda.synchronize()
    start = time.perf_counter()
    out = model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=new_tokens,
                         min_new_tokens=new_tokens, do_sample=False, cache_implementation="static",
                         pad_token_id=0, eos_token_id=None)
    torch.cuda.synchronize()
    assert out.shape[1] == prompt.shape[1] + new_tokens, out.shape
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--gen", type=int, default=128)
    parser.add_argument("--contexts", type=int, nargs="+", default=[128, 4096])
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES))
    args = parser.parse_args()
    torch.manual_seed(0)
    results = []
    for name in args.shapes:
        config = make_config(SHAPES[name], max(args.contexts) + args.gen + 8)
        model_class = transformers.Qwen3ForCausalLM if SHAPES[name]["arch"] == "qwen3" else transformers.LlamaForCausalLM
        with torch.device("cuda"):  # random init on the GPU (the library's own init, std 0.02)
            model = model_class(config).to(torch.bfloat16).eval()
        for context in args.contexts:
            prompt = torch.randint(0, config.vocab_size, (1, context), device="cuda")
            with torch.inference_mode():
                for _ in range(args.warmup):
                    timed_generate(model, prompt, 1)
                    timed_generate(model, prompt, args.gen + 1)
                rates = []
                for _ in range(args.runs):
                    first = timed_generate(model, prompt, 1)
                    full = timed_generate(model, prompt, args.gen + 1)
                    rates.append(args.gen / (full - first))
            row = dict(shape=name, dtype="bf16", context=context, runs=args.runs, median=statistics.median(rates),
                       mean=statistics.fmean(rates), min=min(rates), max=max(rates),
                       torch=torch.__version__, transformers=transformers.__version__,
                       device=torch.cuda.get_device_name())
            print(json.dumps(row), flush=True)
            results.append(row)
        del model
        torch.cuda.empty_cache()
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
