#!/usr/bin/env bash
# ab_decode.sh — two builds of libmetal_core compared on `metalcore bench`, alternating A, B, A,
# B... in one session, so that both see the same machine state (docs/BENCHMARKS.md's "same run,
# alternating" figures). A library is loaded once per process, so each run is its own process;
# settings of one build are compared inside one process with `metalcore bench --vs` instead.
#
# Usage: tools/bench/ab_decode.sh CLI LIB_A LIB_B OUT CONFIG...
#   CLI     the metalcore CLI (a NativeAOT publish on machines without .NET)
#   LIB_A   libmetal_core.so of build A (e.g. HEAD), LIB_B of build B (the change)
#   OUT     where the bench reports (JSON) go
#   CONFIG  "SHAPE QUANT DEPTH", e.g. "Qwen3-1.7B Q8_0 0" (context 128 with the default prompt)
#           or "Qwen3-1.7B Q8_0 3968" (context 4096)
# Environment: ROUNDS (2: A/B pairs per config), RUNS (5), WARMUP (1), PROMPT (128), GEN (128),
# BACKEND (cuda), BENCH_TIMEOUT (60 s per run), A_ENV / B_ENV (assignments for one side only,
# e.g. B_ENV="MC_EXP_SWITCH=1").
# Prints each run as it ends, then per config both sides' decode speeds and B/A for decode and
# prompt (summarize.py --ab).
set -uo pipefail
if [ $# -lt 5 ]; then
  sed -n '2,17p' "$0"
  exit 2
fi
cli=$1 lib_a=$2 lib_b=$3 out=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

run_one() { # side, library, extra environment, shape, quant, depth, round
  local side=$1 library=$2 extra=$3 shape=$4 quant=$5 depth=$6 round=$7
  local report="$out/${side}_${shape}_${quant}_d${depth}_r${round}.json"
  # shellcheck disable=SC2086 # extra holds NAME=VALUE words for env
  env $extra METALCORE_NATIVE_LIBRARY="$library" timeout "${BENCH_TIMEOUT:-60}" "$cli" bench \
    --backend "${BACKEND:-cuda}" --shape "$shape" --quant "$quant" --depth "$depth" \
    --warmup "${WARMUP:-1}" --runs "${RUNS:-5}" --prompt "${PROMPT:-128}" --gen "${GEN:-128}" \
    --json "$report" > "$out/last.txt" 2>&1
  local status=$?
  if [ $status -ne 0 ]; then
    echo "$side $shape $quant d$depth round $round: failed (exit $status): $(tail -2 "$out/last.txt" | tr '\n' ' ')"
    rm -f "$report"
    return
  fi
  echo "$side $shape $quant d$depth round $round: $(python3 "$here/summarize.py" --one "$report")"
}

for round in $(seq "${ROUNDS:-2}"); do
  for config in "$@"; do
    read -r shape quant depth <<< "$config"
    run_one a "$lib_a" "${A_ENV:-}" "$shape" "$quant" "$depth" "$round"
    run_one b "$lib_b" "${B_ENV:-}" "$shape" "$quant" "$depth" "$round"
  done
done
python3 "$here/summarize.py" --ab "$out"
