#!/usr/bin/env bash
# Executes the notebooks headless with the project's tslab kernel, or checks the saved ones.
#
#   scripts/run-notebooks.sh [--write | --check] [notebooks/NAME.ipynb ...]     (default: notebooks/*.ipynb)
#
# modes
#   (none)   run every notebook top to bottom into a temp folder with small settings
#            (FRESHCACHE_NOTEBOOK_QUICK=1 unless set); fail on any cell error, including TypeScript
#            type errors (tslab turns them into cell errors). The saved notebooks are not touched.
#            This is what CI runs.
#   --write  run with the default settings (FRESHCACHE_NOTEBOOK_QUICK unset unless you set it) and
#            save each notebook in place with its outputs, stamped with a hash of its code cells,
#            and rewrite its paired script NAME.ts from it. It refuses to start while a NAME.ts is
#            newer than its notebook and differs (edits there would be lost): apply them first with
#            scripts/notebook-text.ts --sync. Commit both files: figures show on GitHub as their
#            static image.
#   --check  no execution: fail when a saved notebook is stale: code cells changed since the stamp,
#            a code cell never ran, cells ran out of order, a cell holds an error output, or a
#            figure has no static image; when NAME.ts differs from its notebook; or when a code
#            cell uses the tslab object-shorthand trap (scripts/notebook-lint.ts). Fast.
#
# Review happens on the NAME.ts scripts: the pair holds the same cells (no outputs), and the stamp
# covers the code cells, so a code edit in either file makes --check fail until --write re-runs it.
#
# Environment: FRESHCACHE_NOTEBOOK_QUICK (0/1), FRESHCACHE_NOTEBOOK_TIMEOUT (seconds per cell,
# default 1800), JUPYTER_VENV (default .venv-jupyter; set up by scripts/setup-jupyter.sh, which
# this script runs first when the kernel is missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${JUPYTER_VENV:-.venv-jupyter}"
case "$VENV" in /*) ;; *) VENV="$ROOT/$VENV" ;; esac
KERNEL=freshcache
MODE=run
FILES=()
for arg in "$@"; do
  case "$arg" in
    --write) MODE=write ;;
    --check) MODE=check ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run-notebooks: unknown option '$arg' (expected --write, --check or notebook paths)" >&2; exit 2 ;;
    *) FILES+=("$arg") ;;
  esac
done
if [ ${#FILES[@]} -eq 0 ]; then
  shopt -s nullglob
  FILES=(notebooks/*.ipynb)
  shopt -u nullglob
fi
if [ ${#FILES[@]} -eq 0 ]; then
  echo "run-notebooks: no notebooks found in notebooks/" >&2
  exit 1
fi
for f in "${FILES[@]}"; do
  [ -f "$f" ] || { echo "run-notebooks: $f: no such notebook" >&2; exit 2; }
done

if [ ! -f "$VENV/share/jupyter/kernels/$KERNEL/kernel.json" ] || [ ! -x "$VENV/bin/jupyter-nbconvert" ]; then
  "$ROOT/scripts/setup-jupyter.sh"
fi
PY="$VENV/bin/python"

# STAMP_PY <notebook> <quick 0|1>: hash of the code cells into metadata.freshcache, execution counts
# 1..n, no per-cell execution timestamps (so re-runs diff cleanly). CHECK_PY <notebook>: exit 1 with the reasons when stale.
STAMP_PY='
import hashlib, json, os, sys
path, quick = sys.argv[1], sys.argv[2] == "1"
with open(path, encoding="utf-8") as f:
    nb = json.load(f)
def src(c):
    s = c.get("source", "")
    return s if isinstance(s, str) else "".join(s)
code = [src(c) for c in nb["cells"] if c["cell_type"] == "code"]
digest = hashlib.sha256(json.dumps(code, ensure_ascii=False).encode("utf-8")).hexdigest()
n = 0
for c in nb["cells"]:
    c.get("metadata", {}).pop("execution", None)
    # nbconvert stops at the first failing cell, so every code cell ran, in order; tslab does not
    # report execution counts to nbconvert, so number them here (as a top-to-bottom run would).
    if c["cell_type"] == "code" and src(c).strip():
        n += 1
        c["execution_count"] = n
        for o in c.get("outputs", []):
            if o.get("output_type") == "execute_result":
                o["execution_count"] = n
nb["metadata"]["freshcache"] = {"code_sha256": digest, "quick": quick}
tmp = path + ".tmp"
with open(tmp, "w", encoding="utf-8") as f:
    json.dump(nb, f, indent=1, ensure_ascii=False, sort_keys=True)  # as nbformat writes it
    f.write("\n")
os.replace(tmp, path)
'
CHECK_PY='
import hashlib, json, sys
path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    nb = json.load(f)
def src(c):
    s = c.get("source", "")
    return s if isinstance(s, str) else "".join(s)
problems = []
cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
digest = hashlib.sha256(json.dumps([src(c) for c in cells], ensure_ascii=False).encode("utf-8")).hexdigest()
stamp = nb.get("metadata", {}).get("freshcache", {})
if stamp.get("code_sha256") is None:
    problems.append("never saved by scripts/run-notebooks.sh --write (no metadata.freshcache stamp)")
elif stamp["code_sha256"] != digest:
    problems.append("code cells changed since the outputs were saved")
if stamp.get("quick"):
    problems.append("outputs come from a quick run (FRESHCACHE_NOTEBOOK_QUICK=1), not the default settings")
counts = []
for i, c in enumerate(cells, 1):
    if not src(c).strip():
        continue
    n = c.get("execution_count")
    if n is None:
        problems.append("code cell %d has not been executed" % i)
    else:
        counts.append(n)
    for o in c.get("outputs", []):
        if o.get("output_type") == "error":
            problems.append("code cell %d holds an error output (%s)" % (i, o.get("ename", "?")))
        if "application/vnd.plotly.v1+json" in o.get("data", {}) and "image/png" not in o["data"]:
            problems.append("code cell %d has a figure without its static image (was Chromium missing when it ran?)" % i)
if counts != list(range(1, len(counts) + 1)):
    problems.append("cells were not run top to bottom in one session (execution counts %s)" % counts)
for p in problems:
    print("%s: %s" % (path, p), file=sys.stderr)
sys.exit(1 if problems else 0)
'

TEXT=(node --import tsx "$ROOT/scripts/notebook-text.ts")
if [ "$MODE" = check ]; then
  status=0
  for f in "${FILES[@]}"; do
    if "$PY" -c "$CHECK_PY" "$f"; then echo "ok      $f"; else status=1; fi
  done
  [ $status -eq 0 ] || echo "run-notebooks: saved notebooks are out of date: run scripts/run-notebooks.sh --write and commit them" >&2
  "${TEXT[@]}" --check "${FILES[@]}" || status=1
  node --import tsx "$ROOT/scripts/notebook-lint.ts" "${FILES[@]}" || status=1
  exit $status
fi

if [ "$MODE" = run ]; then
  export FRESHCACHE_NOTEBOOK_QUICK="${FRESHCACHE_NOTEBOOK_QUICK:-1}"
fi
if [ "$MODE" = write ]; then
  "${TEXT[@]}" --guard "${FILES[@]}" || { echo "run-notebooks: not running: a paired script holds edits its notebook lacks (see above)" >&2; exit 1; }
fi
TIMEOUT="${FRESHCACHE_NOTEBOOK_TIMEOUT:-1800}"
mkdir -p "$VENV/tmp"
OUTDIR="$(mktemp -d "$VENV/tmp/run-notebooks.XXXXXX")"
trap 'rm -rf "$OUTDIR"' EXIT

status=0
for f in "${FILES[@]}"; do
  name="$(basename "$f")"
  log="$OUTDIR/${name%.ipynb}.log"
  t0=$(date +%s.%N)
  if "$VENV/bin/jupyter-nbconvert" --to notebook --execute \
      --ExecutePreprocessor.kernel_name="$KERNEL" --ExecutePreprocessor.timeout="$TIMEOUT" \
      --ExecutePreprocessor.record_timing=False \
      --output-dir "$OUTDIR" --output "$name" "$f" >"$log" 2>&1; then
    secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    if [ "$MODE" = write ]; then
      "$PY" -c "$STAMP_PY" "$OUTDIR/$name" "${FRESHCACHE_NOTEBOOK_QUICK:-0}"
      cp "$OUTDIR/$name" "$f.tmp" && mv "$f.tmp" "$f"
      "${TEXT[@]}" "$f" >/dev/null
      echo "saved   $f and ${f%.ipynb}.ts (${secs}s, $(du -k "$f" | cut -f1) KiB)"
    else
      echo "ok      $f (${secs}s)"
    fi
  else
    status=1
    echo "FAILED  $f" >&2
    # nbconvert prints the failing cell and the error (type errors included); drop kernel noise.
    if grep -q 'An error occurred while executing the following cell' "$log"; then
      sed -n '/An error occurred while executing the following cell/,$p' "$log" | head -n 60 >&2
    else
      grep -v -E '^(WARNING: All log messages|I0000 |To enable the following instructions)' "$log" | tail -n 40 >&2
    fi
  fi
done
exit $status
