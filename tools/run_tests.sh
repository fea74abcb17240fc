#!/usr/bin/env bash
# The README's test command: install what is missing, run the linters, then
# the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
bash tools/lint.sh
exec python3 -m pytest tests -q -p no:cacheprovider "$@"
