#!/usr/bin/env bash
# cuda_bench.sh — the CUDA benchmarks of docs/BENCHMARKS.md in one run: the device's copy
# bandwidth, MetalCore decode on the synthetic shapes (15 counted runs after 2 warm-ups) at
# context 128 and 4096, the PyTorch + transformers baseline on the same shapes, and the
# contention runs; then a markdown summary (summarize.py).
#
# Usage: tools/bench/cuda_bench.sh CLI BUILD OUT [PARTS]
#   CLI    the published metalcore CLI; BUILD the CMake build folder of libmetal_core (CUDA)
#   PARTS  any of: ours torch contention (default: all three)
set -uo pipefail
cli=$1 build=$2 out=$3
parts=${4:-ours torch contention}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
export METALCORE_NATIVE_LIBRARY=$build/libmetal_core.so
SHAPES=${SHAPES:-Qwen3-0.6B Qwen3-1.7B Llama-3.2-1B}
QUANTS=${QUANTS:-BF16 Q8_0 Q4_0}
RUNS=${RUNS:-15}
CONTEXTS=${CONTEXTS:-128 4096} # decode from position 128 (prompt 128) or 4096 (3968 already cached)

[ -f "$out/bandwidth.txt" ] || "$build/mc_cuda_bandwidth" > "$out/bandwidth.txt"
cat "$out/bandwidth.txt"

bench() { # name, extra arguments...: the report goes to $out/$name.json
  local name=$1; shift
  timeout "${BENCH_TIMEOUT:-200}" "$cli" bench --backend cuda --runs "$RUNS" --warmup 2 --prompt 128 --gen 128 \
    --json "$out/$name.json" "$@" > "$out/$name.txt" 2> "$out/$name.err"
  echo "$name: $(python3 "$here/summarize.py" --one "$out/$name.json" 2> /dev/null || tail -3 "$out/$name.err")"
}

if [[ " $parts " == *" ours "* ]]; then
  for shape in $SHAPES; do
    for quant in $QUANTS; do
      for context in $CONTEXTS; do
        bench "ours_${shape}_${quant}_ctx${context}" --shape "$shape" --quant "$quant" --depth $((context - 128))
      done
    done
  done
fi

if [[ " $parts " == *" torch "* ]]; then
  PYTHONUNBUFFERED=1 python3 "$here/torch_decode.py" --out "$out/torch.json" --runs "${TORCH_RUNS:-5}" --warmup 2 \
    > "$out/torch.log" 2>&1 || tail -20 "$out/torch.log"
  cat "$out/torch.log" | grep '^{' || true
fi

if [[ " $parts " == *" contention "* ]]; then
  # Seed 000: decode alone and beside 10 processes that keep the GPU busy, with the stream at
  # normal and at the highest priority.
  shape=${CONTENTION_SHAPE:-Qwen3-1.7B} quant=${CONTENTION_QUANT:-Q8_0}
  for priority in normal high; do
    flag=""; [ $priority = high ] && flag=--high-priority
    bench "contention_alone_$priority" --shape "$shape" --quant "$quant" --depth 0 $flag
    pids=()
    for i in $(seq 10); do "$build/mc_gpu_load" 600 > /dev/null 2>&1 & pids+=($!); done
    sleep 3
    bench "contention_loaded_$priority" --shape "$shape" --quant "$quant" --depth 0 $flag
    kill "${pids[@]}" 2> /dev/null; wait "${pids[@]}" 2> /dev/null
  done
fi

python3 "$here/summarize.py" "$out" | tee "$out/summary.md"
