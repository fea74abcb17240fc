#!/usr/bin/env bash
# The GPU check (docs/user_guides/gpu_check.md) from any directory:
#   OUT=work_dirs/gpu_check_quick bash tools/benchmarks/gpu_check.sh --quick
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec "${PYTHON:-python3}" tools/benchmarks/gpu_check.py "$@"
