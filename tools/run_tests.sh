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
"$PY" -m pytest tests -q -p no:cacheprovider "$@" || tests=$?
if [ "$lint" -ne 0 ]; then
  echo "[run_tests] the linters failed (see [lint] above)" >&2
fi
exit $(( tests != 0 ? tests : lint ))
