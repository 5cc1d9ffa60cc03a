#!/usr/bin/env bash
# The device-machine run that produced the committed references: the HF fixtures
# (tools/reference/make_hf_fixtures.py, CPU), the corpus, and the demo model's training (GPU)
# with its reference record (CPU). Scripts are read from the folder given as $1 (the device
# tool carries copies there); results are packed into $OUT (the device tool's return folder).
# `train.py --smoke` checks the whole pipeline in seconds before a full run.
set -uo pipefail
HERE=$(cd "${1:-$(dirname "$0")}" && pwd)
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=true
cd /tmp
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$OUT/env.log"
python3 -c "import sys, torch, transformers, tokenizers, safetensors, numpy; print(sys.version.split()[0], torch.__version__, transformers.__version__, tokenizers.__version__, safetensors.__version__, numpy.__version__)" | tee -a "$OUT/env.log"

# Task A: reference fixtures (CPU); a failure here must not stop the training below.
if python3 "$HERE/make_hf_fixtures.py" --out hf 2>&1 | tee "$OUT/hf.log"; then
  tar czf "$OUT/hf_fixtures.tar.gz" -C /tmp hf
else
  echo "HF FIXTURES FAILED"
fi

python3 "$HERE/make_corpus.py" --out /tmp/corpus 2>&1 | tee "$OUT/corpus.log" || exit 1
python3 "$HERE/train.py" --corpus /tmp/corpus --out /tmp/out --steps 3000 2>&1 | tee "$OUT/train.log" || { echo "TRAIN FAILED"; exit 1; }
tar czf "$OUT/demo_model.tar.gz" -C /tmp out
ls -la /tmp/out "$OUT"
