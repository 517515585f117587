#!/usr/bin/env bash
# Runs a Python that has PyTorch and pytest (the twins in python/ need both) with the given arguments: $PYTHON when set,
# else Debian's /usr/bin/python3, else the first python3 on PATH (which may be a pyenv one without torch).
# `scripts/python.sh --which` prints the one it picked; no such Python is an error that says how to get one.
set -euo pipefail
for py in ${PYTHON:-} /usr/bin/python3 "$(command -v python3 || true)"; do
  if [ -n "$py" ] && [ -x "$py" ] && "$py" -c 'import torch, pytest' >/dev/null 2>&1; then
    if [ "${1:-}" = "--which" ]; then echo "$py"; exit 0; fi
    exec "$py" "$@"
  fi
done
echo "No Python with PyTorch and pytest found (tried \$PYTHON, /usr/bin/python3, python3 on PATH)." >&2
echo "Debian/Ubuntu: sudo apt-get install python3-torch python3-pytest; elsewhere pip install torch pytest, or set PYTHON." >&2
exit 1
