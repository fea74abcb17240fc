#!/usr/bin/env bash
# Installs everything slimmm needs into the current Python environment, from
# scratch or incrementally (idempotent: a second run only checks). It honours
# the user's pip configuration (index, mirror, proxy, find-links, PIP_*
# variables) and an active virtual environment or conda env. See
# docs/get_started.md for the why of each step.
#
# Environment:
#   PYTHON        the interpreter to install into (default: the active venv's
#                 or conda env's python, else python3)
#   SLIMMM_TORCH  what to install when no fitting torch is present
#                 (default: "torch===2.13.0 torchvision===0.28.0", see below)
set -euo pipefail
cd "$(dirname "$0")/.."

source tools/python_env.sh
# '===' matches the version string exactly: the registry's build, not a local
# '2.13.0+cpu' file that a find-links folder may offer beside it (PyPI's
# torchvision cannot load its ops beside a CPU-only torch).
TORCH_SPEC=${SLIMMM_TORCH:-"torch===2.13.0 torchvision===0.28.0"}
# numpy<2 and the other pins of runtime.txt apply to every install below, so
# that no step pulls in what a later one would have to undo.
PIN=(-c requirements/runtime.txt)

pip_install() {
  "$PY" -m pip install "$@"
}

check() {  # check NAME: runs the named check in $PY; succeeds if it holds
  "$PY" -c "# check:$1
$2" >/dev/null 2>&1
}

say() {
  echo "[setup_env] $*"
}

# Supported torch: 2.1 <= torch < 2.14 with the torchvision built for it
# (tested: 2.13.0 + 0.28.0). torch 2.14's headers need C++20, and mmcv
# 2.1.0's build compiles its ops as C++17. A torch in that range that loads
# torchvision's ops is kept, whichever index or build (CUDA, CPU) it came
# from.
TORCH_OK="import torch, torchvision, torchvision.ops as o
major, minor = (int(p) for p in torch.__version__.split('+')[0].split('.')[:2])
assert (2, 1) <= (major, minor) < (2, 14), torch.__version__
o.nms(torch.zeros(1, 4), torch.zeros(1), 0.5)"
MMCV_PRESENT="import importlib.metadata as m
v = m.version('mmcv')
assert v.startswith('2.') and v < '2.2', v"
MMCV_OPS_OK="import mmcv
assert mmcv.__version__ < '2.2'
from mmcv.ops import nms, RoIAlign"

# 1. torch + torchvision.
if ! check torch "$TORCH_OK"; then
  say "installing $TORCH_SPEC (no fitting torch with torchvision's ops found)"
  # shellcheck disable=SC2086
  pip_install "${PIN[@]}" $TORCH_SPEC
fi

# 2. build requirements for mmcv (setuptools<70 still ships pkg_resources).
pip_install -q "${PIN[@]}" -r requirements/build.txt

# 3. mmcv 2.1 with compiled ops. No wheel exists for this torch, so it is
#    built from source (10-25 min on 2 cores). pip caches the built wheel by
#    mmcv version, not by torch: a cached wheel built against another torch
#    installs but its ops do not load, hence the rebuild without the cache.
build_mmcv() {  # build_mmcv [extra pip flags]
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
    pip_install "${PIN[@]}" --no-build-isolation "$@" mmcv==2.1.0
}
if ! check mmcv_ops "$MMCV_OPS_OK"; then
  if check mmcv_present "$MMCV_PRESENT"; then
    say "mmcv is installed but its compiled ops do not load (built against" \
        "another torch?): rebuilding mmcv 2.1.0 against this torch, without" \
        "pip's wheel cache"
    build_mmcv --force-reinstall --no-deps --no-cache-dir
  else
    say "building mmcv 2.1.0 with ops (10-25 minutes once on 2 cores)"
    build_mmcv
    if ! check mmcv_ops "$MMCV_OPS_OK"; then
      say "the mmcv wheel pip reused from its cache was built against" \
          "another torch: rebuilding it without the cache"
      build_mmcv --force-reinstall --no-deps --no-cache-dir
    fi
  fi
fi

# 4. the rest of the runtime and test requirements (mmdet, mmpretrain,
#    mmsegmentation, ...), then slimmm itself.
pip_install -q -r requirements/runtime.txt -r requirements/tests.txt
# Checked from / so that the repo's own folder on sys.path does not count.
if ! (cd / && "$PY" -c "# check:slimmm
import slimmm, os, sys
assert os.path.samefile(os.path.dirname(slimmm.__file__), sys.argv[1])" \
    "$PWD/slimmm") >/dev/null 2>&1; then
  pip_install -q --no-build-isolation --no-deps -e .
fi
"$PY" -c "# check:ready
import torch, mmcv, mmdet, mmpretrain, mmseg, mmengine, numpy, slimmm, sys
import mmseg.models  # its imports (ftfy, regex) load
print('[setup_env] ready in', sys.prefix, '| torch', torch.__version__,
      '| mmcv', mmcv.__version__, '| mmdet', mmdet.__version__,
      '| mmpretrain', mmpretrain.__version__, '| mmseg', mmseg.__version__,
      '| mmengine',
      mmengine.__version__, '| numpy', numpy.__version__, '| slimmm',
      slimmm.__version__)"
