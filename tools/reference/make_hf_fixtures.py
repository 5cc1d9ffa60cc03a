#!/usr/bin/env python3
"""Hugging Face reference fixtures: tiny random-weight Llama and Qwen3 models and their outputs.

MetalCore's C# model loop must agree with transformers on real architectures. This script
builds several tiny float32 models with fixed seeds (one per shape that needs testing: GQA,
MQA, head_dim != hidden/heads, tied and untied output, llama3 rope scaling), saves each with
save_pretrained (config.json + model.safetensors), and records what transformers itself
computes for fixed token ids:

  logits_short.f32  full logits [n_short, vocab] for a short sequence (every position)
  logits_long.f32   logits [len(long_positions), vocab] at a few positions of a long
                    sequence (>= 256 tokens), so rope at long positions is exercised
  reference.json    token ids, greedy continuation from model.generate(do_sample=False),
                    shapes, rope inverse frequencies, versions, settings

The .f32 files are raw little-endian float32, row-major, shapes in reference.json: readable
from C# without numpy. There is no tokenizer: tests feed token ids directly, and the configs
have no bos/eos/pad ids so nothing stops generation early.

Reference settings: CPU, float32, eager attention, one thread, deterministic algorithms
(no TF32 exists on CPU). The recorded outputs come from the model reloaded from the saved
files, so they are exactly what the committed files produce.

Usage: python3 make_hf_fixtures.py --out tests/MetalCore.Tests/Fixtures/hf
"""

import argparse
import hashlib
import json
import os
import platform
import random
import sys

import numpy
import safetensors
import torch
import transformers
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, Qwen3Config, Qwen3ForCausalLM

N_SHORT = 40
N_LONG = 288
LONG_POSITIONS = [0, 1, 31, 63, 64, 65, 127, 128, 200, 255, 256, 287]
PROMPT_LEN = 7
N_GREEDY = 32
MAX_POSITIONS = 512

# One entry per model. Everything not listed is the architecture's default. Sizes are kept
# tiny (~100k parameters each) so all fixtures together stay well under 5 MB.
MODELS = [
    dict(name="llama-gqa", arch="llama", seed=101, vocab_size=256, hidden_size=64, intermediate_size=96,
         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
         tie_word_embeddings=False, rms_norm_eps=1e-5,
         rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
         why="baseline Llama: grouped-query attention (4 query heads share 2 kv heads), untied output"),
    dict(name="llama-mqa-tied", arch="llama", seed=102, vocab_size=320, hidden_size=64, intermediate_size=96,
         num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=1, head_dim=24,
         tie_word_embeddings=True, rms_norm_eps=1e-6,
         rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
         why="multi-query attention (1 kv head), head_dim 24 != hidden/heads 16, output tied to the embedding"),
    dict(name="llama3-rope", arch="llama", seed=103, vocab_size=384, hidden_size=64, intermediate_size=128,
         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
         tie_word_embeddings=False, rms_norm_eps=1e-5,
         # original_max_position_embeddings 64: with theta 1e4 and head_dim 16 the 8 frequencies
         # fall in all three llama3 regimes (kept, smoothly blended, divided by factor).
         rope_parameters={"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0,
                          "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                          "original_max_position_embeddings": 64},
         why="llama3 rope scaling with a small original context (64) so scaling matters within the test"),
    dict(name="qwen3-gqa", arch="qwen3", seed=104, vocab_size=288, hidden_size=64, intermediate_size=96,
         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=32,
         tie_word_embeddings=False, rms_norm_eps=1e-6,
         rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
         why="Qwen3 (q/k RMSNorm per head), GQA, head_dim 32 != hidden/heads 16, untied output"),
    dict(name="qwen3-mqa-tied", arch="qwen3", seed=105, vocab_size=512, hidden_size=64, intermediate_size=128,
         num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=1, head_dim=16,
         tie_word_embeddings=True, rms_norm_eps=1e-6,
         rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
         why="Qwen3 with multi-query attention, head_dim == hidden/heads, output tied to the embedding"),
]

ARCHS = {"llama": (LlamaConfig, LlamaForCausalLM), "qwen3": (Qwen3Config, Qwen3ForCausalLM)}


def set_deterministic():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.backends.cuda.matmul.allow_tf32 = False  # CPU only here; stated for clarity
    torch.backends.cudnn.allow_tf32 = False


def build_config(spec):
    config_cls, _ = ARCHS[spec["arch"]]
    kwargs = {k: v for k, v in spec.items() if k not in ("name", "arch", "seed", "why")}
    config = config_cls(max_position_embeddings=MAX_POSITIONS, hidden_act="silu",
                        bos_token_id=None, eos_token_id=None, pad_token_id=None,
                        attention_bias=False, **kwargs)
    config._attn_implementation = "eager"  # exact softmax(QK^T/sqrt(d))V, no fused kernels
    return config


@torch.no_grad()
def init_weights(model, seed):
    """Our own init instead of the library's (std 0.02 makes near-uniform logits and greedy
    ties): linear weights ~ N(0, 1/fan_in) so activations stay O(1), embedding N(0, 0.3^2),
    RMSNorm weights 1 + N(0, 0.1^2) so a forgotten norm weight shows up in the logits."""
    gen = torch.Generator().manual_seed(seed)
    for name, p in model.named_parameters():  # tied weights are listed once
        if p.ndim == 1:
            value = 1.0 + 0.1 * torch.randn(p.shape, generator=gen)
        elif "embed_tokens" in name:
            value = 0.3 * torch.randn(p.shape, generator=gen)
        else:
            value = torch.randn(p.shape, generator=gen) / (p.shape[1] ** 0.5)
        p.copy_(value.to(p.dtype))


def token_ids(rng, n, vocab):
    return [rng.randrange(vocab) for _ in range(n)]


@torch.no_grad()
def logits_of(model, ids):
    out = model(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long))
    return out.logits[0].to(torch.float32)


@torch.no_grad()
def greedy_loop(model, prompt, n):
    """Greedy decoding by full recomputation (no cache): an independent check of generate()."""
    ids, margins = list(prompt), []
    for _ in range(n):
        last = logits_of(model, ids)[-1]
        top2 = torch.topk(last, 2).values
        margins.append(float(top2[0] - top2[1]))
        ids.append(int(torch.argmax(last)))
    return ids[len(prompt):], margins


def write_f32(path, tensor):
    tensor.detach().cpu().contiguous().numpy().astype("<f4").tofile(path)
    return os.path.getsize(path)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def versions():
    return {"python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "safetensors": safetensors.__version__,
            "numpy": numpy.__version__}


def make_one(spec, out_root):
    name, seed = spec["name"], spec["seed"]
    folder = os.path.join(out_root, name)
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(seed)
    config = build_config(spec)
    _, model_cls = ARCHS[spec["arch"]]
    model = model_cls(config).to(torch.float32).eval()
    init_weights(model, seed)
    tied = model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    assert tied == spec["tie_word_embeddings"], f"{name}: tied={tied}"
    model.save_pretrained(folder)

    # Everything below uses the model as reloaded from disk: the committed files are the truth.
    loaded = model_cls.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").eval()
    assert loaded.config._attn_implementation == "eager", loaded.config._attn_implementation

    rng = random.Random(seed)
    short_ids = token_ids(rng, N_SHORT, spec["vocab_size"])
    long_ids = token_ids(rng, N_LONG, spec["vocab_size"])
    prompt = token_ids(rng, PROMPT_LEN, spec["vocab_size"])

    short_logits = logits_of(loaded, short_ids)
    assert torch.equal(short_logits, logits_of(model, short_ids)), f"{name}: reload changed the logits"
    full_long = logits_of(loaded, long_ids)
    long_logits = full_long[LONG_POSITIONS]
    # A causal model's first positions cannot see later tokens: running only a prefix must give
    # the same logits up to summation order. A free self-check of the recorded long run.
    causal_diff = float((logits_of(loaded, long_ids[:N_SHORT]) - full_long[:N_SHORT]).abs().max())

    gen_config = GenerationConfig(do_sample=False, max_new_tokens=N_GREEDY, num_beams=1,
                                  pad_token_id=0, eos_token_id=None, bos_token_id=None)
    generated = loaded.generate(input_ids=torch.tensor([prompt]),
                                attention_mask=torch.ones(1, PROMPT_LEN, dtype=torch.long),
                                generation_config=gen_config)
    greedy = [int(t) for t in generated[0, PROMPT_LEN:]]
    assert len(greedy) == N_GREEDY, f"{name}: generate returned {len(greedy)} tokens"
    loop, margins = greedy_loop(loaded, prompt, N_GREEDY)

    rotary = loaded.model.rotary_emb
    assert getattr(rotary, "rope_type", None) in (None, spec["rope_parameters"]["rope_type"])
    # Independent check that llama3 scaling is really active (and absent elsewhere).
    dim = spec["head_dim"]
    plain = 1.0 / (spec["rope_parameters"]["rope_theta"] ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    scaled = not torch.allclose(rotary.inv_freq.float().cpu(), plain, rtol=1e-5, atol=0)
    assert scaled == (spec["rope_parameters"]["rope_type"] == "llama3"), f"{name}: rope scaling active={scaled}"
    files = {"logits_short.f32": write_f32(os.path.join(folder, "logits_short.f32"), short_logits),
             "logits_long.f32": write_f32(os.path.join(folder, "logits_long.f32"), long_logits)}
    for f in sorted(os.listdir(folder)):
        files.setdefault(f, os.path.getsize(os.path.join(folder, f)))

    reference = {
        "name": name,
        "why": spec["why"],
        "architecture": type(loaded).__name__,
        "seed": seed,
        "parameters": sum(p.numel() for p in loaded.parameters()),
        "tied_output": tied,
        "settings": {"device": "cpu", "dtype": "float32", "attn_implementation": "eager", "threads": 1,
                     "deterministic_algorithms": True, "tf32": False, "init": init_weights.__doc__.strip()},
        "tokenizer": None,
        "tokens_short": short_ids,
        "logits_short": {"file": "logits_short.f32", "shape": [N_SHORT, spec["vocab_size"]],
                         "dtype": "float32", "byte_order": "little", "positions": "all"},
        "argmax_short": [int(i) for i in short_logits.argmax(-1)],
        "tokens_long": long_ids,
        "long_positions": LONG_POSITIONS,
        "logits_long": {"file": "logits_long.f32", "shape": [len(LONG_POSITIONS), spec["vocab_size"]],
                        "dtype": "float32", "byte_order": "little",
                        "positions": "row i holds the logits at position long_positions[i] of one forward pass over tokens_long"},
        "argmax_long": [int(i) for i in long_logits.argmax(-1)],
        "prompt": prompt,
        "greedy": greedy,
        "greedy_how": f"model.generate(do_sample=False, num_beams=1, max_new_tokens={N_GREEDY}), no eos",
        "greedy_loop_no_cache": loop,
        "greedy_agrees_with_loop": loop == greedy,
        "greedy_min_top2_margin": min(margins),
        "causal_prefix_max_abs_diff": causal_diff,
        "max_abs_logit": float(max(short_logits.abs().max(), long_logits.abs().max())),
        "rope": {"rope_type": getattr(rotary, "rope_type", None),
                 "attention_scaling": float(getattr(rotary, "attention_scaling", 1.0)),
                 "inv_freq": [float(x) for x in rotary.inv_freq.to(torch.float32)]},
        "config_rope_parameters": loaded.config.rope_parameters,
        "files": files,
        "model_safetensors_sha256": sha256(os.path.join(folder, "model.safetensors")),
        "versions": versions(),
        "made_by": "tools/reference/make_hf_fixtures.py",
    }
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    print(f"{name}: {reference['parameters']} params, {total} bytes, rope {reference['rope']['rope_type']}, "
          f"greedy==loop {loop == greedy}, min margin {min(margins):.4f}, causal diff {causal_diff:.2e}, greedy {greedy}")
    return {"name": name, "why": spec["why"], "architecture": reference["architecture"],
            "parameters": reference["parameters"], "bytes": total}


def main():
    ap = argparse.ArgumentParser(description="tiny Hugging Face reference fixtures")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    set_deterministic()
    os.makedirs(args.out, exist_ok=True)
    index = {"models": [make_one(spec, args.out) for spec in MODELS], "versions": versions(),
             "made_by": "tools/reference/make_hf_fixtures.py",
             "command": "python3 tools/reference/make_hf_fixtures.py " + " ".join(sys.argv[1:])}
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    total = sum(m["bytes"] for m in index["models"])
    print(f"total {total} bytes")
    assert total < 3_500_000, "fixtures grew past the size budget"


if __name__ == "__main__":
    main()
