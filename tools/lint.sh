#!/usr/bin/env bash
# The linters CI runs before the tests (settings in setup.cfg): flake8,
# isort --check-only and codespell over the whole repository. Every linter
# runs and prints what it finds; the exit status is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
source tools/python_env.sh
failed=()
run() {  # run NAME COMMAND...
  echo "[lint] $1"
  if ! "${@:2}"; then
    failed+=("$1")
  fi
}
run flake8 "$PY" -m flake8 .
run isort "$PY" -m isort --check-only --diff .
run codespell "$PY" -m codespell_lib
if [ ${#failed[@]} -gt 0 ]; then
  echo "[lint] FAILED: ${failed[*]} (fix the lines printed above;" \
    "isort . rewrites the imports)" >&2
  exit 1
fi
echo "[lint] clean"
