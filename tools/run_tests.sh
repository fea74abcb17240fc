#!/usr/bin/env bash
# The README's test command: install what is missing, run the linters, then
# the suite. The suite runs even when a linter fails (both reports are
# printed); the exit status is non-zero if either failed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
source tools/python_env.sh
lint=0
bash tools/lint.sh || lint=$?
tests=0
# The tests that assert a learned quality (marker `quality`) on another
# CPU's kernel path first (a threshold tuned on one machine fails here),
# then the whole suite on this machine's.
if [ "$#" -eq 0 ]; then
  if [ "$("$PY" -c 'import torch; print(torch.backends.cpu.get_cpu_capability())')" = AVX2 ]; then
    other=default
  else
    other=avx2
  fi
  echo "[run_tests] quality tests with ATEN_CPU_CAPABILITY=$other"
  ATEN_CPU_CAPABILITY=$other ONEDNN_MAX_CPU_ISA=AVX2 "$PY" -m pytest tests \
    -q -p no:cacheprovider -m quality -n "${SLIMMM_TEST_WORKERS:-2}" \
    || tests=$?
fi
# Two workers (pytest-xdist): the tests run one torch thread each, so a
# 2-core machine runs two at a time. SLIMMM_TEST_WORKERS=0 runs them in
# this process.
"$PY" -m pytest tests -q -p no:cacheprovider \
  -n "${SLIMMM_TEST_WORKERS:-2}" "$@" || tests=$?
if [ "$lint" -ne 0 ]; then
  echo "[run_tests] the linters failed (see [lint] above)" >&2
fi
exit $(( tests != 0 ? tests : lint ))
