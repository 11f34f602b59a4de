#!/usr/bin/env bash
# One command that sets up JupyterLab and the project's TypeScript kernel for notebooks/.
#
#   scripts/setup-jupyter.sh
#
# Everything goes into one ignored folder of this checkout, the notebook environment
# (.venv-jupyter by default); deleting it and re-running this script starts afresh. What it does
# (idempotent; a second run takes about a second):
#   1. a Python venv with JupyterLab, nbconvert and plotly from pip. The `plotly` package ships
#      JupyterLab 4's plotly renderer as a prebuilt extension (jupyterlab-plotly): it draws the
#      `application/vnd.plotly.v1+json` outputs that src/report/display.ts emits;
#   2. tslab 1.0.22 installed with npm into <venv>/tslab (not globally, and not into the project's
#      node_modules, where its TypeScript 5.0 would shadow node_modules/.bin/tsc). zeromq's install
#      script is skipped on purpose: it only checks that zeromq's prebuilt addon loads (else builds
#      one with cmake); this script loads the addon itself and stops with the fix if it does not;
#   3. the project kernelspec `freshcache` ("TypeScript (freshcache)") into the venv: it starts that
#      tslab in the repository root, so notebooks in notebooks/ import `./src/...` (tslab compiles
#      cells with rootDir = the kernel's working folder), under `node --require tsx/cjs` so folder
#      imports (`./src/report` -> src/report/index.ts) resolve at run time (tslab's own loader only
#      finds `<path>.ts` files), with TMPDIR = <venv>/tmp so a kernel's scratch files stay in this
#      checkout; see environment.md;
#   4. when run as root: `allow_root` in the venv's Jupyter server config, so `jupyter lab` starts
#      without --allow-root;
# No `jupyter trust` step: the saved notebooks' figures are plotly MIME bundles with a static image,
# which show untrusted.
# Environment: PYTHON (default python3) picks the interpreter for the venv; JUPYTER_VENV (default
# .venv-jupyter) the folder.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${JUPYTER_VENV:-.venv-jupyter}"
case "$VENV" in /*) ;; *) VENV="$ROOT/$VENV" ;; esac
PYTHON="${PYTHON:-python3}"
TSLAB_VERSION=1.0.22
TSLAB_PREFIX="$VENV/tslab"
TSLAB_JS="$TSLAB_PREFIX/node_modules/tslab/bin/tslab"

say() { echo "setup-jupyter: $*" >&2; }
# (the local mirror's index prints "Location ... is ignored" warnings; they are harmless)
pip_install() { "$VENV/bin/pip" install --quiet --disable-pip-version-check --retries 0 "$@" 2> >(grep -v "is ignored: it is neither" >&2); }

# 1. JupyterLab and plotly's JupyterLab renderer in a venv.
if [ ! -x "$VENV/bin/jupyter-lab" ] || [ ! -x "$VENV/bin/jupyter-nbconvert" ]; then
  say "creating $VENV with JupyterLab and plotly (pip)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  pip_install jupyterlab plotly
elif [ ! -f "$VENV/share/jupyter/labextensions/jupyterlab-plotly/package.json" ]; then
  say "adding plotly (its JupyterLab renderer) to $VENV"
  pip_install plotly
else
  say "JupyterLab and plotly already in $VENV"
fi
[ -f "$VENV/share/jupyter/labextensions/jupyterlab-plotly/package.json" ] ||
  { say "error: plotly's JupyterLab extension is missing from $VENV/share/jupyter/labextensions after 'pip install plotly'"; exit 1; }

# 2. tslab, project-local. allowScripts false makes npm skip zeromq's script without a warning.
if [ ! -f "$TSLAB_JS" ] || ! grep -q "\"version\": \"$TSLAB_VERSION\"" "$TSLAB_PREFIX/node_modules/tslab/package.json"; then
  say "installing tslab@$TSLAB_VERSION into $TSLAB_PREFIX (npm)"
  mkdir -p "$TSLAB_PREFIX"
  cat >"$TSLAB_PREFIX/package.json" <<EOF
{
  "private": true,
  "description": "tslab for this checkout's notebook kernel; written by scripts/setup-jupyter.sh",
  "dependencies": { "tslab": "$TSLAB_VERSION" },
  "allowScripts": { "zeromq": false }
}
EOF
  npm install --prefix "$TSLAB_PREFIX" --no-fund --no-audit --no-save --loglevel=error >&2
fi
if ! (cd "$TSLAB_PREFIX" && node -e "require('zeromq')") 2>/dev/null; then
  say "error: zeromq's prebuilt addon does not load on this platform ($(node -p 'process.platform + "-" + process.arch')); build it with: (cd $TSLAB_PREFIX && npm_config_build_from_source=true npm rebuild zeromq --foreground-scripts)  (needs cmake and a C++ compiler)"
  exit 1
fi
NODE="$(command -v node)"

# 3. The project kernelspec, with this checkout's absolute root, node, tslab and scratch folder.
KERNELS="$VENV/share/jupyter/kernels"
SPEC_DIR="$KERNELS/freshcache"
SCRATCH="$VENV/tmp"
mkdir -p "$SPEC_DIR" "$SCRATCH"
"$VENV/bin/python" - "$ROOT" "$TSLAB_JS" "$SPEC_DIR" "$ROOT/scripts/kernel" "$NODE" "$SCRATCH" <<'PY'
import json, os, shlex, shutil, sys
root, tslab, spec_dir, template_dir, node, scratch = sys.argv[1:7]
with open(os.path.join(template_dir, "kernel.json")) as f:
    spec = json.load(f)
# tslab runs under node with tsx's CommonJS hook, so `./src/report` (a folder with index.ts) and
# every import inside src/ resolve at run time; tslab still type-checks each cell and what it
# imports with its TypeScript 5.0.
q = shlex.quote
cmd = "cd %s && mkdir -p %s && exec %s --require tsx/cjs %s kernel --config-path \"$0\"" % (q(root), q(scratch), q(node), q(tslab))
spec["argv"] = ["sh", "-c", cmd, "{connection_file}"]
env = spec.setdefault("env", {})
env["FRESHCACHE_ROOT"] = root
env["TMPDIR"] = scratch  # os.tmpdir() in a notebook: scratch inside this checkout's notebook environment
spec.get("metadata", {}).pop("note", None)
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

# 4. Root: JupyterLab refuses to start as root unless told; tell it in this venv's own server config
#    (merged into an existing file; the config.d folder there only enables extensions).
if [ "$(id -u)" = 0 ]; then
  ROOT_CONFIG="$VENV/etc/jupyter/jupyter_server_config.json"
  mkdir -p "$(dirname "$ROOT_CONFIG")"
  "$VENV/bin/python" - "$ROOT_CONFIG" <<'PY'
import json, os, sys
path = sys.argv[1]
config = json.load(open(path)) if os.path.exists(path) else {}
if config.get("ServerApp", {}).get("allow_root") is not True:
    config.setdefault("ServerApp", {})["allow_root"] = True
    with open(path + ".tmp", "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)
PY
  say "running as root: ServerApp.allow_root is set in $ROOT_CONFIG, so jupyter lab needs no --allow-root"
fi

say "done: start JupyterLab with  $VENV/bin/jupyter lab  and pick the kernel 'TypeScript (freshcache)'"
