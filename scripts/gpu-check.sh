#!/usr/bin/env bash
# The GPU check: on a machine with one NVIDIA GPU, no network and only Python/PyTorch installed,
# reports the WebGPU adapter, a 4096³ matMul in GFLOP/s, BERT-base forward and training-step
# throughput, loss/gradient parity of a tiny BERT dual encoder against a CPU reference, and the same
# BERT-base work in PyTorch on the same GPU as the reference ratio; one JSON file, within 5 minutes.
#
#   scripts/gpu-check.sh --prepare            on a CPU machine with the repo installed: makes .gpu-check/
#                                             (a Node binary, dawn.node, the bundled check, libvulkan1)
#   scripts/gpu-check.sh [--out FILE]         on the GPU machine, from the repo root with .gpu-check/ beside it
#                                             (default FILE: $OUT/gpu-check.json when $OUT is set, else
#                                             results/gpu-check.json)
#   scripts/gpu-check.sh --dry-run [--out F]  prepares, then runs the same carried pieces here with
#                                             tiny sizes on whatever adapter this machine has (CI: Mesa's software
#                                             one) and PyTorch on the CPU when it is installed
#                                             (GPU_CHECK_PYTHON names another python3 with torch and transformers)
#
# With the device tool (one call; .gpu-check is git-ignored, so it must be named in carry):
#   run(command="scripts/gpu-check.sh --out $OUT/gpu-check.json", carry=[".gpu-check"], timeout_s=420)
set -euo pipefail
cd "$(dirname "$0")/.."
P=.gpu-check
mode=full
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prepare) mode=prepare ;;
    --dry-run) mode=dry ;;
    --out) out="$2"; shift ;;
    *) echo "gpu-check: unknown argument '$1'; expected --prepare, --dry-run or --out FILE" >&2; exit 2 ;;
  esac
  shift
done

# a dry run prepares first (the bundle is rebuilt; the compressed binaries are kept while their sources are unchanged)
if [ "$mode" = prepare ] || [ "$mode" = dry ]; then
  node --import tsx scripts/gpu-check/prepare.ts
  [ "$mode" = prepare ] && exit 0
fi
for f in check.js node.xz dawn.node.xz torch_bert.py; do
  [ -f "$P/$f" ] || { echo "gpu-check: $P/$f is missing; run scripts/gpu-check.sh --prepare on a machine with the repo installed, and carry $P" >&2; exit 2; }
done
[ -n "$out" ] || out="${OUT:+$OUT/gpu-check.json}"
[ -n "$out" ] || out=results/gpu-check.json
mkdir -p "$(dirname "$out")"

W=$(mktemp -d "${TMPDIR:-/tmp}/freshcache-gpu-check.XXXXXX")
trap 'rm -rf "$W"' EXIT
xz -dc "$P/node.xz" > "$W/node"
xz -dc "$P/dawn.node.xz" > "$W/dawn.node"
chmod +x "$W/node"
export FRESHCACHE_DAWN_NODE="$W/dawn.node"

dry=()
if [ "$mode" = dry ]; then
  dry=(--dry)
else
  # the Vulkan loader Dawn opens; unpacked into / as the device tool's notes say (root, a throwaway machine)
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
    for f in "$P"/debs/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
    ldconfig || true
  fi
  nv=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$nv" ] && [ ! -e /usr/share/vulkan/icd.d/nvidia_icd.json ] && [ ! -e /etc/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES="$nv"
  fi
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2 || true
fi

echo "gpu-check: tfjs side (webgpu)" >&2
status=0
timeout 240 "$W/node" "$P/check.js" "${dry[@]}" > "$W/ours.json" 2> "$W/ours.err" || status=$?
tail -n 5 "$W/ours.err" >&2 || true
if [ "$status" -ne 0 ] || [ ! -s "$W/ours.json" ]; then
  printf '{"side":"tfjs","error":"exit %s: %s"}\n' "$status" "$(tail -n 1 "$W/ours.err" | tr -d '"\\' | cut -c1-300)" > "$W/ours.json"
fi

echo "gpu-check: PyTorch side" >&2
py=${GPU_CHECK_PYTHON:-$(command -v python3 || true)}
if [ -n "$py" ]; then
  timeout 120 "$py" "$P/torch_bert.py" "${dry[@]}" > "$W/torch.json" 2> "$W/torch.err" || printf '{"side":"torch","error":"%s"}\n' "$(tail -n 1 "$W/torch.err" | tr -d '"\\' | cut -c1-300)" > "$W/torch.json"
else
  echo '{"side":"torch","error":"no python3"}' > "$W/torch.json"
fi

"$W/node" "$P/check.js" --merge "$W/ours.json" "$W/torch.json" "${dry[@]}" > "$out.tmp"
mv "$out.tmp" "$out"
echo "gpu-check: wrote $out" >&2
# the file says whether the tfjs side ran; a dry run must produce its numbers too
"$W/node" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const o = r.ours || {};
  const bad = o.error || !o.matMul || o.matMul.error || !o.bert || o.bert.error || !o.parity || o.parity.error;
  console.error(`gpu-check: ${o.backend ? o.backend.device.name : "no adapter"}; matMul ${o.matMul && o.matMul.gflops ? o.matMul.gflops.toFixed(1) : "-"} GFLOP/s; parity ${o.parity && "ok" in o.parity ? o.parity.ok : "-"}`);
  process.exit(bad ? 1 : 0);' "$out"
