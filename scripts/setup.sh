#!/usr/bin/env bash
# Builds .venv with the pinned set. Finds Python 3.10 on PATH, then in pyenv.
# A second run with unchanged setup.py and constraints.txt does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for cand in python3.10 "$HOME/.pyenv/versions/"3.10*/bin/python; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      command -v "$cand"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    local root; root=$(pyenv root)
    for cand in "$root"/versions/3.10*/bin/python; do [ -x "$cand" ] && { echo "$cand"; return 0; }; done
  fi
  return 1
}

stamp_of() { cat setup.py constraints.txt | sha256sum | cut -d' ' -f1; }

if [ -f .venv/.installed ] && [ "$(cat .venv/.installed)" = "$(stamp_of)" ]; then
  echo "setup: .venv is up to date"
  exit 0
fi
PY=$(find_python) || { echo "setup: no Python 3.10 found on PATH or in pyenv (TFX 1.16 needs 3.10)" >&2; exit 1; }
echo "setup: building .venv with $PY"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# pip warns once per package about this machine's empty local indexes; keep real errors only.
pip_install() { .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
pip_install setuptools wheel
pip_install -e ".[test]"
stamp_of > .venv/.installed
echo "setup: done"
