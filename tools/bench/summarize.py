"""Markdown tables from the files cuda_bench.sh writes (docs/BENCHMARKS.md's CUDA section).

Reads OUT/bandwidth.txt, OUT/ours_*.json (metalcore bench --json reports; for runs recorded
with the earlier CLI, its text output OUT/ours_*.txt), OUT/torch.json and OUT/contention_*.
Bandwidth fraction = bytes a decode step must read x decode tok/s (trimmed mean) / the device
copy bandwidth that mc_cuda_bandwidth measured.
Usage: summarize.py OUT | summarize.py --one REPORT.json (one line for a progress log)
     | summarize.py --ab OUT (the reports of ab_decode.sh: per config, both sides and B/A)"""
import glob
import json
import os
import re
import sys

def parse_report(path):
    """The first configuration of a `metalcore bench --json` report."""
    report = json.load(open(path))
    c = report["configurations"][0]
    d = c["decode"]
    return dict(mean=d["trimmed_mean"], ci=d["confidence_half_width95"], median=d["median"],
                spread=d["spread_percent"], n=d["count"], mb=c["per_token"]["bytes_read"] / 1e6,
                prompt=c["prompt"]["trimmed_mean"] if c.get("prompt") else None)


def parse_bench(path):
    if os.path.exists(path[:-4] + ".json"):
        return parse_report(path[:-4] + ".json")
    text = open(path).read()
    decode = re.search(r"^decode\s+([\d.]+) ± ([\d.]+) \(median ([\d.]+), spread ([\d.]+)%, n=(\d+)\)", text, re.M)
    reads = re.search(r"^reads\s+([\d.]+) MB per decoded token", text, re.M)
    prompt = re.search(r"^prompt\s+([\d.]+) ± ([\d.]+)", text, re.M)
    if not decode or not reads:
        return None
    return dict(mean=float(decode[1]), ci=float(decode[2]), median=float(decode[3]), spread=float(decode[4]),
                n=int(decode[5]), mb=float(reads[1]), prompt=float(prompt[1]) if prompt else None)


if sys.argv[1] == "--one":
    r = parse_report(sys.argv[2])
    print(f"decode {r['mean']:.2f} ± {r['ci']:.2f} (median {r['median']:.2f}, spread {r['spread']:.1f}%, "
          f"n={r['n']}), {r['mb']:.0f} MB read per token")
    sys.exit(0)
if sys.argv[1] == "--ab":
    sides = {}
    for path in sorted(glob.glob(f"{sys.argv[2]}/[ab]_*_r*.json")):
        m = re.match(r"([ab])_(.+)_r(\d+)\.json", os.path.basename(path))
        sides.setdefault(m[2], {"a": [], "b": []})[m[1]].append(parse_report(path))

    def each(runs, key):
        return ", ".join(f"{r[key]:.1f}" for r in runs)

    def ratio(a, b, key):
        if not a or not b or any(r[key] is None for r in a + b):
            return "—"
        return f"{(sum(r[key] for r in b) / len(b)) / (sum(r[key] for r in a) / len(a)):.3f}"

    print("| config | A decode tok/s (each round) | B decode tok/s (each round) | B / A decode | "
          "B / A prompt |")
    print("| --- | --- | --- | --- | --- |")
    for config, runs in sides.items():
        a, b = runs["a"], runs["b"]
        print(f"| {config} | {each(a, 'mean')} | {each(b, 'mean')} | {ratio(a, b, 'mean')} | "
              f"{ratio(a, b, 'prompt')} |")
    sys.exit(0)
out = sys.argv[1]
bandwidth = None
if os.path.exists(f"{out}/bandwidth.txt"):
    m = re.search(r"copy_bandwidth_gbps ([\d.]+)", open(f"{out}/bandwidth.txt").read())
    bandwidth = float(m[1]) if m else None
torch_rows = json.load(open(f"{out}/torch.json")) if os.path.exists(f"{out}/torch.json") else []
torch_of = {(r["shape"], r["context"]): r for r in torch_rows}

print(f"Measured device copy bandwidth: {bandwidth} GB/s (read + write, 1 GiB device-to-device copy)\n")
print("| model | weights | context | decode tok/s (trimmed mean ± 95% CI) | spread | MB read / token | "
      "effective GB/s | of copy bandwidth | prompt tok/s | PyTorch bf16 tok/s (median) | vs PyTorch |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for path in sorted(glob.glob(f"{out}/ours_*.txt")):
    m = re.match(r"ours_(.+)_(BF16|Q8_0|Q4_0|F16|F32)_ctx(\d+)\.txt", os.path.basename(path))
    r = parse_bench(path)
    if not m or not r:
        print(f"| {os.path.basename(path)} | (no result) |")
        continue
    shape, quant, context = m[1], m[2], int(m[3])
    gbps = r["mb"] * r["mean"] / 1e3
    fraction = f"{gbps / bandwidth:.0%}" if bandwidth else "?"
    t = torch_of.get((shape, context))
    torch_cell = f"{t['median']:.1f}" if t else "—"
    ratio = f"{r['mean'] / t['median']:.2f}×" if t else "—"
    prompt = f"{r['prompt']:.0f}" if r["prompt"] else "—"
    print(f"| {shape} | {quant} | {context} | {r['mean']:.1f} ± {r['ci']:.1f} | {r['spread']:.1f}% | {r['mb']:.0f} | "
          f"{gbps:.0f} | {fraction} | {prompt} | {torch_cell} | {ratio} |")

rows = {}
for path in glob.glob(f"{out}/contention_*.txt"):
    m = re.match(r"contention_(alone|loaded)_(normal|high)\.txt", os.path.basename(path))
    r = parse_bench(path)
    if m and r:
        rows[(m[1], m[2])] = r
if rows:
    print("\n| stream priority | alone tok/s | with 10 GPU-load processes tok/s | loss | spread under load | 95% CI under load |")
    print("| --- | --- | --- | --- | --- | --- |")
    for priority in ("normal", "high"):
        alone, loaded = rows.get(("alone", priority)), rows.get(("loaded", priority))
        if alone and loaded:
            loss = 1 - loaded["mean"] / alone["mean"]
            print(f"| {priority} | {alone['mean']:.1f} ± {alone['ci']:.1f} | {loaded['mean']:.1f} ± {loaded['ci']:.1f} | "
                  f"{loss:.1%} | {loaded['spread']:.1f}% | ±{loaded['ci']:.1f} |")
