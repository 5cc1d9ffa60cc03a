"""The Hugging Face reference fixtures on a backend, through the published `metalcore` CLI.

For each model of tests/MetalCore.Tests/Fixtures/hf: `metalcore logits` over `tokens_short` and
`tokens_long` must match the logits PyTorch + transformers recorded within 1e-3 (the tolerance
of the CPU backend's NUnit test, HfSafetensorsReferenceTests), and teacher forcing with the
recorded prompt + greedy continuation must give the greedy tokens as argmax.
Usage: check_hf.py CLI BACKEND FIXTURES_HF OUT"""
import json
import os
import subprocess
import sys

import numpy as np

cli, backend, root, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
failures = 0


def logits(model, tokens, name):
    path = os.path.join(out, f"{name}.npy")
    subprocess.run([cli, "logits", "-m", model, "-b", backend, "--tokens", " ".join(map(str, tokens)), "--out", path],
                   check=True, capture_output=True, timeout=300)
    return np.load(path)


def check(ok, message):
    global failures
    print(("PASS " if ok else "FAIL ") + message)
    failures += 0 if ok else 1


for entry in json.load(open(os.path.join(root, "index.json")))["models"]:
    name = entry["name"]
    model = os.path.join(root, name)
    ref = json.load(open(os.path.join(model, "reference.json")))
    vocab = json.load(open(os.path.join(model, "config.json")))["vocab_size"]
    short = np.fromfile(os.path.join(model, "logits_short.f32"), dtype="<f4").reshape(-1, vocab)
    long_ref = np.fromfile(os.path.join(model, "logits_long.f32"), dtype="<f4").reshape(-1, vocab)
    got = logits(model, ref["tokens_short"], f"{name}_short")
    diff = float(np.abs(got - short).max())
    check(diff <= 1e-3, f"{name}: logits of {len(ref['tokens_short'])} tokens within 1e-3 (max |diff| {diff:.2e})")
    got = logits(model, ref["tokens_long"], f"{name}_long")[ref["long_positions"]]
    diff = float(np.abs(got - long_ref).max())
    check(diff <= 1e-3, f"{name}: logits at positions up to {max(ref['long_positions'])} within 1e-3 (max |diff| {diff:.2e})")
    forced = ref["prompt"] + ref["greedy"][:-1]
    got = logits(model, forced, f"{name}_greedy")[len(ref["prompt"]) - 1:].argmax(axis=1).tolist()
    check(got == ref["greedy"], f"{name}: teacher-forced argmax equals the {len(ref['greedy'])} greedy tokens")
sys.exit(1 if failures else 0)
