#!/usr/bin/env bash
# One command that sets up JupyterLab and the project's TypeScript kernel for notebooks/.
#
#   scripts/setup-jupyter.sh
#
# What it does (idempotent; a second run takes about a second):
#   1. a Python venv at .venv-jupyter with JupyterLab (and nbconvert) from pip;
#   2. tslab 1.0.22 installed globally with npm, unless `tslab` is already on PATH;
#   3. tslab's own kernelspecs (tslab, jslab) registered into that venv;
#   4. the project kernelspec `freshcache` ("TypeScript (freshcache)") into the venv: it starts tslab
#      in the repository root, so notebooks in notebooks/ import `./src/...` (tslab compiles cells
#      with rootDir = the kernel's working folder), under `node --require tsx/cjs` so folder imports
#      (`./src/report` -> src/report/index.ts) resolve at run time (tslab's own loader only finds
#      `<path>.ts` files); see environment.md;
#   5. `jupyter trust` on notebooks/*.ipynb, so saved figure outputs draw when a notebook is opened.
# Environment: PYTHON (default python3) picks the interpreter for the venv; JUPYTER_VENV (default
# .venv-jupyter) the venv folder.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${JUPYTER_VENV:-.venv-jupyter}"
case "$VENV" in /*) ;; *) VENV="$ROOT/$VENV" ;; esac
PYTHON="${PYTHON:-python3}"
TSLAB_VERSION=1.0.22

say() { echo "setup-jupyter: $*" >&2; }

# 1. JupyterLab in a venv.
if [ ! -x "$VENV/bin/jupyter-lab" ] || [ ! -x "$VENV/bin/jupyter-nbconvert" ]; then
  say "creating $VENV with JupyterLab (pip)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  # (the local mirror's index prints "Location ... is ignored" warnings; they are harmless)
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --retries 0 jupyterlab 2> >(grep -v "is ignored: it is neither" >&2)
else
  say "JupyterLab already in $VENV"
fi

# 2. tslab (global: a local copy would shadow node_modules/.bin/tsc with tslab's TypeScript 5.0).
if ! command -v tslab >/dev/null 2>&1; then
  say "installing tslab@$TSLAB_VERSION globally (npm i -g)"
  npm install -g --no-fund --no-audit "tslab@$TSLAB_VERSION" >&2
fi
TSLAB="$(command -v tslab)"
TSLAB_JS="$(readlink -f "$TSLAB")"
NODE="$(command -v node)"

# 3. tslab's own kernelspecs into the venv (harmless if they exist).
KERNELS="$VENV/share/jupyter/kernels"
if [ ! -f "$KERNELS/tslab/kernel.json" ]; then
  say "registering tslab/jslab kernels"
  "$TSLAB" install --python="$VENV/bin/python" --sys-prefix >&2
fi

# 4. The project kernelspec, with this checkout's absolute root and tslab's absolute path.
SPEC_DIR="$KERNELS/freshcache"
mkdir -p "$SPEC_DIR"
"$VENV/bin/python" - "$ROOT" "$TSLAB_JS" "$SPEC_DIR" "$ROOT/scripts/kernel" "$NODE" <<'PY'
import json, os, shlex, shutil, sys
root, tslab, spec_dir, template_dir, node = sys.argv[1:6]
with open(os.path.join(template_dir, "kernel.json")) as f:
    spec = json.load(f)
# tslab runs under node with tsx's CommonJS hook, so `./src/report` (a folder with index.ts) and
# every import inside src/ resolve at run time; tslab still type-checks each cell and what it
# imports with its TypeScript 5.0.
cmd = "cd %s && exec %s --require tsx/cjs %s kernel --config-path \"$0\"" % (shlex.quote(root), shlex.quote(node), shlex.quote(tslab))
spec["argv"] = ["sh", "-c", cmd, "{connection_file}"]
spec.setdefault("env", {})["FRESHCACHE_ROOT"] = root
text = json.dumps(spec, indent=2) + "\n"
target = os.path.join(spec_dir, "kernel.json")
old = open(target).read() if os.path.exists(target) else None
if old != text:
    tmp = target + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, target)
for name in os.listdir(template_dir):
    if name.endswith(".png") or name.endswith(".svg"):
        shutil.copyfile(os.path.join(template_dir, name), os.path.join(spec_dir, name))
PY
say "kernel 'freshcache' -> $SPEC_DIR (root $ROOT)"

# 5. Trust the saved notebooks on this machine, so their saved plotly outputs run when opened.
shopt -s nullglob
NOTEBOOKS=("$ROOT"/notebooks/*.ipynb)
if [ ${#NOTEBOOKS[@]} -gt 0 ]; then
  "$VENV/bin/jupyter" trust "${NOTEBOOKS[@]}" >/dev/null 2>&1 || say "warning: jupyter trust failed (saved figures show after re-running the cells)"
fi
say "done: start JupyterLab with  $VENV/bin/jupyter lab  and pick the kernel 'TypeScript (freshcache)'"
