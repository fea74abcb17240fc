#!/usr/bin/env bash
# The README's first command: install (idempotent), then the main job on
# the built-in tiny data, CPU only, about 10 minutes on 2 cores:
# tiny data -> SlimCLR-MoCov2 pretraining of a slimmable ResNet-18 ->
# switchable linear probe per width -> Mask R-CNN per width on tiny COCO,
# next to a random initialisation, two runs at a time ->
# work_dirs/main_job/main_job_results.{md,csv,png}.
# A rerun skips the steps whose outputs exist.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
source tools/python_env.sh
"$PY" tools/benchmarks/main_job.py "$@"
