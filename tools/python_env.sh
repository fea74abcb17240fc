# Sourced by tools/setup_env.sh, run_tests.sh and run_demo.sh: the Python
# they install into and run, so that all three agree. An active venv /
# conda env wins over whatever python3 resolves to (a pyenv shim or a system
# Python can come earlier on PATH than the env's bin/); $PYTHON wins over
# both.
if [ -n "${PYTHON:-}" ]; then
  PY=$PYTHON
elif [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
  PY=$VIRTUAL_ENV/bin/python
elif [ -n "${CONDA_PREFIX:-}" ] && [ -x "$CONDA_PREFIX/bin/python" ]; then
  PY=$CONDA_PREFIX/bin/python
else
  PY=python3
fi
