"""The CPU table of docs/BENCHMARKS.md from the files cpu_vs_llamacpp.sh writes.

Per model and weight type: metalcore's prompt and decode tok/s (median over rounds of each
round's median, and the range of the rounds' medians), its decode bandwidth as a fraction of
the read bandwidth `bench` measured in the same run, llama.cpp's pp and tg tok/s (median over
rounds of llama-bench's mean of 5), and the ratios metalcore / llama.cpp taken round by round
(each metalcore run right after its llama.cpp run), median and range; the load average (1 min)
before each pair says how busy the machine was.
Usage: cpu_summary.py OUT"""
import glob
import json
import os
import re
import statistics
import sys

out = sys.argv[1]
rows = {}
for path in sorted(glob.glob(f"{out}/ours_*_r*.json")):
    m = re.match(r"ours_(.+)_(q8_0|q4_0)_r(\d+)\.json", os.path.basename(path))
    llama_path = f"{out}/llama_{m[1]}_{m[2]}_r{m[3]}.json"
    if not os.path.exists(llama_path):
        continue
    ours = json.load(open(path))
    config = ours["configurations"][0]
    llama = {("pp" if t["n_prompt"] > 0 else "tg"): t["avg_ts"] for t in json.load(open(llama_path))}
    load_path = f"{out}/load_{m[1]}_{m[2]}_r{m[3]}.txt"
    load = float(open(load_path).read()) if os.path.exists(load_path) else float("nan")
    row = rows.setdefault((m[1], m[2]), [])
    row.append(dict(prompt=config["prompt"]["median"], decode=config["decode"]["median"],
                    decode_spread=config["decode"]["spread_percent"],
                    fraction=config["per_token"]["bandwidth_fraction"],
                    bandwidth=ours["measured_bandwidth_bytes_per_second"] / 1e9,
                    pp=llama["pp"], tg=llama["tg"], load=load))


def summary(values, digits=1):
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


print("| model | weights | rounds | load average | prompt tok/s | decode tok/s | decode of measured bandwidth | "
      "measured GB/s | llama.cpp pp tok/s | llama.cpp tg tok/s | prompt ratio | decode ratio |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for (model, quant), runs in sorted(rows.items()):
    print(f"| {model} | {quant.upper()} | {len(runs)} | {summary([r['load'] for r in runs])} | "
          f"{summary([r['prompt'] for r in runs])} | "
          f"{summary([r['decode'] for r in runs])} | "
          f"{summary([100 * r['fraction'] for r in runs], 0)}% | {summary([r['bandwidth'] for r in runs])} | "
          f"{summary([r['pp'] for r in runs])} | {summary([r['tg'] for r in runs])} | "
          f"{summary([r['prompt'] / r['pp'] for r in runs], 2)} | {summary([r['decode'] / r['tg'] for r in runs], 2)} |")
