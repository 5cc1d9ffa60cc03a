#!/usr/bin/env bash
# build_and_check.sh — on a Linux machine with an NVIDIA GPU and CUDA >= 12 (no .NET needed):
# builds libmetal_core with the CUDA backend, runs its native tests (every op against the CPU
# backend, a decode step as a CUDA graph, with and without cuBLASLt), and checks the stories260K
# golden tokens and the Hugging Face reference fixtures through a published `metalcore` CLI on
# the CUDA backend.
# docs/CUDA.md has the whole recipe.
#
# Usage: tools/cuda/build_and_check.sh CLI FIXTURES OUT
#   CLI       the NativeAOT-published MetalCore.Cli (dotnet publish src/Managed/MetalCore.Cli
#             -r linux-x64 -p:PublishAot=true -c Release)
#   FIXTURES  a folder with stories260K.gguf, expected_greedy_bos_256_ids.txt and _text.txt
#   OUT       where logs and the built library go
# Environment: BUILD (build folder, default build-cuda), JOBS (default: all cores).
set -uo pipefail
cli=$1 fixtures=$2 out=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build-cuda}
mkdir -p "$out"
failures=0
step() { echo; echo "=== $*"; }

step "device"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv,noheader
nvcc --version | tail -2

if [ ! -f "$build/libmetal_core.so" ]; then
  step "build (cmake, CUDA required)"
  cmake -S "$root/native/metal_core" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMC_ENABLE_CUDA=ON -DMC_METAL_EMULATION=OFF \
    > "$out/cmake.log" 2>&1 || { tail -30 "$out/cmake.log"; exit 1; }
  grep "metal_core:" "$out/cmake.log"
  start=$(date +%s)
  cmake --build "$build" -j "${JOBS:-$(nproc)}" > "$out/build.log" 2>&1 || { grep -E "error|Error" "$out/build.log" | head -40; exit 1; }
  echo "built in $(( $(date +%s) - start )) s"
fi
export METALCORE_NATIVE_LIBRARY=$build/libmetal_core.so

step "native tests (ctest -R cuda): every op against the CPU backend and a decode step as a CUDA graph, with and without cuBLASLt; no CUDA library among the library's dependencies"
(cd "$build" && timeout 600 ctest -R cuda --output-on-failure) > "$out/cuda_tests.log" 2>&1
status=$?
grep -E "checks|logged|FAIL|Test +#|tests passed" "$out/cuda_tests.log" | tail -15
[ $status -eq 0 ] || failures=$((failures + 1))

step "device copy bandwidth"
"$build/mc_cuda_bandwidth" | tee "$out/bandwidth.txt"

step "stories260K: 256 greedy tokens from BOS on CUDA (graph replay per token)"
model=$fixtures/stories260K.gguf
for backend in cuda cpu; do
  timeout 120 "$cli" run -m "$model" -b $backend -n 256 > "$out/golden_$backend.txt" 2> "$out/golden_$backend.err" || { cat "$out/golden_$backend.err"; failures=$((failures + 1)); }
done
cat "$out/golden_cuda.err"
step "stories260K: teacher-forced logits (prompt path: cuBLASLt products, multi-token attention)"
ids=$(tr -s ' \n' ' ' < "$fixtures/expected_greedy_bos_256_ids.txt" | cut -d' ' -f1-255)
for backend in cuda cpu; do
  timeout 120 "$cli" logits -m "$model" -b $backend --tokens "1 $ids" --out "$out/logits_$backend.npy" 2>> "$out/golden_$backend.err" || failures=$((failures + 1))
done
python3 "$root/tools/cuda/check_golden.py" "$fixtures" "$out" || failures=$((failures + 1))

hf=$root/tests/MetalCore.Tests/Fixtures/hf
if [ -f "$hf/index.json" ]; then
  step "Hugging Face reference fixtures on CUDA (logits within 1e-3, greedy by teacher forcing)"
  python3 "$root/tools/cuda/check_hf.py" "$cli" cuda "$hf" "$out/hf" || failures=$((failures + 1))
fi

step "result: $failures failing step(s)"
exit $failures
