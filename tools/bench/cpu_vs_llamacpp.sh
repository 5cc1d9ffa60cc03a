#!/usr/bin/env bash
# The CPU section of docs/BENCHMARKS.md: metalcore's CPU backend against llama.cpp's CPU backend
# on the same synthetic models, measured back to back on the same machine so that its load
# (other processes) hits both alike. For every round and every model (Qwen3-0.6B and
# Llama-3.2-1B, Q8_0 and Q4_0), llama-bench runs, then `metalcore bench`, each writing JSON
# into OUT; tools/bench/cpu_summary.py OUT makes the table (medians over rounds, and the ratio
# of each metalcore run to the llama.cpp run just before it).
#
#   LLAMA_BENCH=/path/to/llama-bench GGUF_DIR=/path/to/ggufs OUT=/tmp/cpu-bench ROUNDS=3 \
#     tools/bench/cpu_vs_llamacpp.sh
#
# GGUF_DIR holds SHAPE-QUANT.gguf written by tools/bench/synthetic_gguf.py (e.g.
# qwen3-0.6b-q8_0.gguf). llama.cpp is built outside this repository (never committed):
#   cmake -B build -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF
#   cmake --build build --target llama-bench
set -euo pipefail
: "${LLAMA_BENCH:?path of llama-bench}" "${GGUF_DIR:?folder of the synthetic GGUF files}"
OUT=${OUT:-/tmp/cpu-bench}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
PROMPT=${PROMPT:-64}
GEN=${GEN:-64}
METALCORE=${METALCORE:-src/Managed/MetalCore.Cli/bin/Release/net10.0/MetalCore.Cli}
mkdir -p "$OUT"
models="Qwen3-0.6B:qwen3-0.6b Llama-3.2-1B:llama-3.2-1b"
for round in $(seq 1 "$ROUNDS"); do
  for model in $models; do
    shape=${model%%:*} file=${model##*:}
    for quant in Q8_0 Q4_0; do
      q=$(echo "$quant" | tr 'A-Z' 'a-z')
      tag="${file}_${q}_r${round}"
      echo "== round $round $shape $quant (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
      cut -d' ' -f1 /proc/loadavg > "$OUT/load_$tag.txt"
      "$LLAMA_BENCH" -m "$GGUF_DIR/$file-$q.gguf" -t "$THREADS" -p "$PROMPT" -n "$GEN" -r 5 -o json \
        > "$OUT/llama_$tag.json"
      "$METALCORE" bench --shape "$shape" --quant "$quant" --backend cpu --threads "$THREADS" \
        --runs 7 --warmup 1 --prompt "$PROMPT" --gen "$GEN" --json "$OUT/ours_$tag.json" \
        > "$OUT/ours_$tag.txt" 2>/dev/null
    done
  done
done
python3 "$(dirname "$0")/cpu_summary.py" "$OUT"
