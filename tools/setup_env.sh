#!/usr/bin/env bash
# Installs everything slimmm needs into the current Python, from scratch or
# incrementally (idempotent: a second run only checks). See
# docs/get_started.md for the why of each step.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
PIP="$PY -m pip"

have() {  # have "python expression that must run"
  "$PY" -c "$1" >/dev/null 2>&1
}

# 1. torch + torchvision from the package registry. --isolated ignores a
#    local pip config that may point at a CPU-only torch wheel with which the
#    registry's torchvision cannot load its ops. The CUDA build runs on CPU.
if ! have "import torch, torchvision, torchvision.ops as o; \
assert torch.__version__.startswith('2.13.0'); \
assert torchvision.__version__.startswith('0.28.0'); \
o.nms(torch.zeros(1, 4), torch.zeros(1), 0.5)"; then
  echo "[setup_env] installing torch 2.13.0 + torchvision 0.28.0"
  $PIP install --isolated torch==2.13.0 torchvision==0.28.0
fi

# 2. build requirements for mmcv (setuptools<70 still ships pkg_resources).
$PIP install -q -r requirements/build.txt

# 3. mmcv 2.1.0 with compiled CPU ops. No wheel exists for this torch, so
#    it is built from source (~8 min on 2 cores); pip caches the built
#    wheel, so later installs on the same machine take seconds.
if ! have "import mmcv; assert mmcv.__version__ == '2.1.0'; \
from mmcv.ops import nms, RoIAlign"; then
  echo "[setup_env] building mmcv 2.1.0 with ops (about 8 minutes once)"
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
    $PIP install --no-build-isolation mmcv==2.1.0
fi

# 4. the rest of the runtime and test requirements, then slimmm itself.
$PIP install -q -r requirements/runtime.txt -r requirements/tests.txt
# Checked from / so that the repo's own folder on sys.path does not count.
if ! (cd / && "$PY" -c "import slimmm, os, sys; \
assert os.path.samefile(os.path.dirname(slimmm.__file__), sys.argv[1])" \
    "$PWD/slimmm") >/dev/null 2>&1; then
  $PIP install -q --no-build-isolation --no-deps -e .
fi
"$PY" -c "import torch, mmcv, mmdet, mmpretrain, mmengine, slimmm; \
print('[setup_env] ready: torch', torch.__version__, '| mmcv', mmcv.__version__, \
'| mmdet', mmdet.__version__, '| mmpretrain', mmpretrain.__version__, \
'| mmengine', mmengine.__version__, '| slimmm', slimmm.__version__)"
