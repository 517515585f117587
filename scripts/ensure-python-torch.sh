#!/usr/bin/env bash
# The pytest part of the test suite needs a Python with PyTorch and pytest: installs Debian's python3-torch and
# python3-pytest when scripts/python.sh finds none (as root, with apt); otherwise it says what to do.
set -euo pipefail
cd "$(dirname "$0")/.."
if bash scripts/python.sh --which >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "No Python with PyTorch and pytest: installing Debian's python3-torch and python3-pytest" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-pytest >/dev/null
  exit 0
fi
bash scripts/python.sh --which
