#!/usr/bin/env bash
# Makes the peer venv for `freshcache bench` at bench/peers/.venv (torch CPU, faiss-cpu, numpy,
# transformers; pinned in requirements.txt). Idempotent: when the venv already imports the pinned
# versions it exits at once. Prints the venv's python path on its last line.
#
#   bash bench/peers/setup.sh            # or: PYTHON=/usr/bin/python3 bash bench/peers/setup.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
py="$venv/bin/python"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
check='import torch, faiss, numpy, transformers; print(torch.__version__, faiss.__version__, numpy.__version__, transformers.__version__)'
if [[ -x "$py" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$py" -c "$check" >/dev/null 2>&1; then
  echo "$py"
  exit 0
fi
base="${PYTHON:-python3}"
[[ -x "$py" ]] || "$base" -m venv "$venv"
# --retries 0: the public index is unreachable on offline machines; the local mirror answers at once.
"$py" -m pip install --disable-pip-version-check --retries 0 -q -r "$req" 1>&2
"$py" -c "$check" 1>&2
echo "$want" > "$stamp"
echo "$py"
