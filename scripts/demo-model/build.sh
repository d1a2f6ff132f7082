#!/usr/bin/env bash
# Regenerate the demo model and its data from nothing but this folder's code:
#   phantoms (examples/data, test/fixtures/phantoms) -> tokenizer -> train (both towers)
#   -> forget (three radiology terms, as a general CLIP barely knows them) -> ONNX export
#   -> check from Node (tokenizer ids, onnxruntime-node vs torch) -> held-out evaluation
# Everything is built in a work folder and moved into the repo only when every step passed, so a
# failed or interrupted build leaves the committed model and data as they were.
# usage: bash scripts/demo-model/build.sh            (from anywhere)
# env:   DEMO_MODEL_WORK=DIR  keep the checkpoint, reference vectors and eval.json there
#                             (default: a temporary folder, removed afterwards)
# needs: Debian's python3-torch python3-onnx python3-numpy python3-pil; Node with the repo's npm install.
#        libopenblas0-pthread is strongly advised: without it Debian's torch runs its linear layers on
#        the reference BLAS, about 10x slower.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
if [ -n "${DEMO_MODEL_WORK:-}" ]; then WORK="$(mkdir -p "$DEMO_MODEL_WORK" && cd "$DEMO_MODEL_WORK" && pwd)"
else WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT; fi
$PY -c 'import torch, onnx, numpy, PIL' 2>/dev/null || { echo "needs Debian's python3-torch python3-onnx python3-numpy python3-pil" >&2; exit 2; }
[ -d "$ROOT/node_modules/onnxruntime-node" ] || { echo "run npm install in $ROOT first (check.mjs uses onnxruntime-node)" >&2; exit 2; }
$PY -c 'import time, torch; a = torch.randn(512, 512); t = time.time(); [a @ a for _ in range(10)]; exit(time.time() - t > 0.5)' \
  || echo "warning: torch's BLAS is slow here (reference BLAS?); apt-get install libopenblas0-pthread makes training ~10x faster" >&2
# two torch threads, as on the project's machines (train.py sets them); OpenBLAS's own threads on
# top of torch's make a 2-core machine several times slower, so BLAS calls stay single-threaded
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1

OUT="$WORK/out"
rm -rf "$OUT"; mkdir -p "$OUT"
stage() { echo "== $1"; STAGE_T0=$(date +%s); }
done_stage() { echo "   ($(( $(date +%s) - STAGE_T0 ))s)"; }
T0=$(date +%s)
cd "$HERE"

stage "phantoms"
$PY phantoms.py "$OUT/examples-data" --count 80 --seed 2
$PY phantoms.py "$OUT/fixtures-phantoms" --count 100 --seed 3
done_stage

stage "tokenizer"
$PY tokenizer.py "$OUT/demo"
done_stage

stage "train"
$PY train.py "$OUT/demo" "$WORK"
done_stage

stage "forget (three radiology terms)"
$PY forget.py "$WORK" "$OUT/demo"
done_stage

stage "export"
$PY export.py "$WORK" "$OUT/demo" 2> >(grep -v -i warn >&2)
done_stage

stage "check (Node: @huggingface/tokenizers, onnxruntime-node)"
(cd "$ROOT" && node scripts/demo-model/check.mjs "$OUT/demo" "$WORK")
done_stage

stage "evaluate (held out)"
$PY evaluate.py "$WORK" "$OUT/demo" "$OUT/fixtures-phantoms"
done_stage

for pair in "demo:models/demo" "examples-data:examples/data" "fixtures-phantoms:test/fixtures/phantoms"; do
  rm -rf "${ROOT:?}/${pair#*:}"
  mkdir -p "$(dirname "$ROOT/${pair#*:}")"
  cp -r "$OUT/${pair%%:*}" "$ROOT/${pair#*:}"
done
echo "== done in $(( $(date +%s) - T0 ))s"
du -sh "$ROOT/models/demo" "$ROOT/examples/data" "$ROOT/test/fixtures/phantoms"
