#!/usr/bin/env python3
"""Writes a GGUF file with random weights and the exact shapes of a known model, so llama.cpp's
llama-bench can be measured on the same synthetic models as `metalcore bench --shape` (see
docs/BENCHMARKS.md). Python standard library only; weights are Q8_0 or Q4_0 blocks with small
random scales, norms are ones, the output projection is tied to the embedding (as in both
models). The vocabulary is llama.cpp's "none" tokenizer with `<arch>.vocab_size` dummy tokens:
speed does not depend on the token ids.

    python3 tools/bench/synthetic_gguf.py qwen3-0.6b q8_0 /tmp/qwen3-0.6b-q8_0.gguf
"""
import os
import struct
import sys

# name: (architecture, hidden, layers, heads, kv_heads, head_dim, ffn, vocab, rope_theta, eps)
SHAPES = {
    "qwen3-0.6b": ("qwen3", 1024, 28, 16, 8, 128, 3072, 151936, 1_000_000.0, 1e-6),
    "llama-3.2-1b": ("llama", 2048, 16, 32, 8, 64, 8192, 128256, 500_000.0, 1e-5),
}

# ggml type id, values per block, bytes per block
TYPES = {"f32": (0, 1, 4), "q4_0": (2, 32, 18), "q8_0": (8, 32, 34)}

ALIGNMENT = 32
GGUF_UINT32, GGUF_FLOAT32, GGUF_STRING = 4, 6, 8


def gguf_string(text):
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def key_value(key, kind, value):
    head = gguf_string(key) + struct.pack("<I", kind)
    if kind == GGUF_UINT32:
        return head + struct.pack("<I", value)
    if kind == GGUF_FLOAT32:
        return head + struct.pack("<f", value)
    return head + gguf_string(value)


def random_blocks(count, block_bytes):
    """Random quants; each block's f16 scale is about 0.008..0.016 (high byte 0x20..0x23)."""
    data = bytearray(os.urandom(count * block_bytes))
    data[1::block_bytes] = bytes(0x20 | (b & 3) for b in data[1::block_bytes])
    return data


def tensors_of(shape):
    arch, hidden, layers, heads, kv_heads, head_dim, ffn, vocab, _, _ = shape
    # (name, [ne0 (row length), ne1 (rows)], quantized?)
    yield "token_embd.weight", [hidden, vocab], True
    yield "output_norm.weight", [hidden], False
    for layer in range(layers):
        p = f"blk.{layer}."
        yield p + "attn_norm.weight", [hidden], False
        yield p + "attn_q.weight", [hidden, heads * head_dim], True
        yield p + "attn_k.weight", [hidden, kv_heads * head_dim], True
        yield p + "attn_v.weight", [hidden, kv_heads * head_dim], True
        yield p + "attn_output.weight", [heads * head_dim, hidden], True
        if arch == "qwen3":
            yield p + "attn_q_norm.weight", [head_dim], False
            yield p + "attn_k_norm.weight", [head_dim], False
        yield p + "ffn_norm.weight", [hidden], False
        yield p + "ffn_gate.weight", [hidden, ffn], True
        yield p + "ffn_up.weight", [hidden, ffn], True
        yield p + "ffn_down.weight", [ffn, hidden], True


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in SHAPES or sys.argv[2] not in ("q8_0", "q4_0"):
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(SHAPES)}}} {{q8_0|q4_0}} OUT.gguf")
    shape, quant, path = SHAPES[sys.argv[1]], sys.argv[2], sys.argv[3]
    arch, hidden, layers, heads, kv_heads, head_dim, ffn, vocab, theta, eps = shape
    metadata = [
        key_value("general.architecture", GGUF_STRING, arch),
        key_value("general.name", GGUF_STRING, f"synthetic {sys.argv[1]} {quant}"),
        key_value(f"{arch}.context_length", GGUF_UINT32, 8192),
        key_value(f"{arch}.embedding_length", GGUF_UINT32, hidden),
        key_value(f"{arch}.block_count", GGUF_UINT32, layers),
        key_value(f"{arch}.feed_forward_length", GGUF_UINT32, ffn),
        key_value(f"{arch}.attention.head_count", GGUF_UINT32, heads),
        key_value(f"{arch}.attention.head_count_kv", GGUF_UINT32, kv_heads),
        key_value(f"{arch}.attention.key_length", GGUF_UINT32, head_dim),
        key_value(f"{arch}.attention.value_length", GGUF_UINT32, head_dim),
        key_value(f"{arch}.attention.layer_norm_rms_epsilon", GGUF_FLOAT32, eps),
        key_value(f"{arch}.rope.freq_base", GGUF_FLOAT32, theta),
        key_value(f"{arch}.rope.dimension_count", GGUF_UINT32, head_dim),
        key_value(f"{arch}.vocab_size", GGUF_UINT32, vocab),
        key_value("tokenizer.ggml.model", GGUF_STRING, "none"),
    ]
    infos, layout, offset = [], [], 0
    for name, dims, quantized in tensors_of(shape):
        kind, per_block, block_bytes = TYPES[quant if quantized else "f32"]
        elements = dims[0] * (dims[1] if len(dims) > 1 else 1)
        size = elements // per_block * block_bytes
        info = gguf_string(name) + struct.pack("<I", len(dims))
        info += b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", kind, offset)
        infos.append(info)
        layout.append((quantized, elements // per_block, block_bytes))
        offset += (size + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT
    with open(path, "wb") as out:
        out.write(b"GGUF" + struct.pack("<IQQ", 3, len(infos), len(metadata)))
        out.write(b"".join(metadata) + b"".join(infos))
        out.write(b"\0" * (-out.tell() % ALIGNMENT))
        for quantized, blocks, block_bytes in layout:
            data = random_blocks(blocks, block_bytes) if quantized else struct.pack("<f", 1.0) * blocks
            out.write(data)
            out.write(b"\0" * (-len(data) % ALIGNMENT))
    print(f"{path}: {os.path.getsize(path) / 1e9:.3f} GB")


if __name__ == "__main__":
    main()
