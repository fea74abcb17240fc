#!/usr/bin/env bash
# The README's test command: install what is missing, then run the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup_env.sh
exec python3 -m pytest tests -q -p no:cacheprovider "$@"
