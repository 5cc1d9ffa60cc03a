"""Checks the stories260K references of tools/cuda/build_and_check.sh.

1. The text `metalcore run` generated on CUDA (256 greedy tokens from BOS, the decode step as a
   CUDA graph) equals the published greedy text, and the CPU backend's.
2. Teacher forcing: with BOS + the first 255 published tokens as input, the argmax of every row
   of CUDA's logits is the next published token (so greedy decoding reproduces all 256), and the
   logits agree with the CPU backend's.
Usage: check_golden.py FIXTURES OUT (OUT holds golden_*.txt and logits_*.npy)."""
import sys

import numpy as np

fixtures, out = sys.argv[1], sys.argv[2]
failures = 0


def check(ok, message):
    global failures
    print(("PASS " if ok else "FAIL ") + message)
    failures += 0 if ok else 1


def words(path):
    with open(path, encoding="utf-8") as f:
        return " ".join(f.read().split())


expected_text = words(f"{fixtures}/expected_greedy_bos_256_text.txt")
cuda_text, cpu_text = words(f"{out}/golden_cuda.txt"), words(f"{out}/golden_cpu.txt")
check(cuda_text == expected_text, "CUDA greedy text equals the published text")
check(cuda_text == cpu_text, "CUDA greedy text equals the CPU backend's")
if cuda_text != expected_text:
    n = next((i for i, (a, b) in enumerate(zip(cuda_text, expected_text)) if a != b), min(len(cuda_text), len(expected_text)))
    print(f"  first difference at character {n}: ...{cuda_text[max(0, n - 40):n + 40]!r}")

expected = [int(t) for t in open(f"{fixtures}/expected_greedy_bos_256_ids.txt").read().split()]
cuda, cpu = np.load(f"{out}/logits_cuda.npy"), np.load(f"{out}/logits_cpu.npy")
argmax = cuda.argmax(axis=1).tolist()
matches = sum(int(a == b) for a, b in zip(argmax, expected))
check(matches == len(expected), f"teacher-forced argmax equals the published token at {matches} of {len(expected)} positions")
diff = float(np.abs(cuda - cpu).max())
scale = float(np.abs(cpu).max())
check(diff <= 1e-3 * max(1.0, scale), f"CUDA vs CPU logits: max |diff| {diff:.3g} (max |logit| {scale:.3g})")
sys.exit(1 if failures else 0)
