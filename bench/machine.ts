/**
 * What machine a benchmark ran on: cores, CPU model, memory, OS, Node, the TensorFlow.js backend
 * and libtensorflow version, the peer venv's torch / faiss / numpy / transformers versions, load
 * average; and the physical limits measured on it (memory copy bandwidth, sequential disk write
 * with fsync) that cache building is compared against.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend } from '../src/tensor';

export interface MachineDescription {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  backend: string | null;
  tfjsVersion: string | null;
  libtensorflow: string | null;
  peers: Record<string, string> | null;
  peersError?: string;
  loadAvg: number[];
}

/** Versions of torch, faiss, numpy, transformers (and torch's thread count) in the peer venv's python; an error string when it cannot run. */
export function peerVersions(python: string): Record<string, string> | string {
  if (!fs.existsSync(python)) return `no python at ${python}`;
  const code = 'import json, torch, faiss, numpy, transformers; print(json.dumps({"torch": torch.__version__, "faiss": faiss.__version__, "numpy": numpy.__version__, "transformers": transformers.__version__, "torchThreadsDefault": str(torch.get_num_threads())}))';
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) return (r.stderr || 'failed').trim().split('\n').pop()!;
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** Describes this machine; initialises the tfjs backend (src/tensor initBackend) to name it. */
export async function describeMachine(o: { python?: string } = {}): Promise<MachineDescription> {
  let backend: string | null = null;
  let libtensorflow: string | null = null;
  try {
    const info = await initBackend(process.env.FRESHCACHE_BACKEND ? undefined : 'auto');
    backend = info.summary;
    libtensorflow = info.tfVersion ?? null;
  } catch (e) {
    backend = `backend failed: ${e instanceof Error ? e.message : e}`;
  }
  const peers = o.python ? peerVersions(o.python) : 'no peer python given';
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}${osRelease()}`,
    node: process.version,
    backend,
    tfjsVersion: tf.version_core ?? null,
    libtensorflow,
    peers: typeof peers === 'string' ? null : peers,
    ...(typeof peers === 'string' ? { peersError: peers } : {}),
    loadAvg: os.loadavg().map((x) => +x.toFixed(2)),
  };
}

function osRelease(): string {
  try {
    const name = /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1];
    return name ? ` (${name})` : '';
  } catch {
    return '';
  }
}

/**
 * Memory bandwidth, GB/s: best of `reps` copies of a `mib` MiB Float32Array (bytes read + bytes
 * written per copy, i.e. 2·size / seconds).
 */
export function measureMemoryBandwidth(mib = 256, reps = 3): number {
  const n = (mib * 2 ** 20) / 4;
  const src = new Float32Array(n).fill(1);
  const dst = new Float32Array(n);
  dst.set(src);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    dst.set(src);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return (2 * n * 4) / best / 1e9;
}

/**
 * Sequential disk write bandwidth, MB/s (2^20 bytes): writes `mib` MiB in 4 MiB chunks to a temp file
 * under `dir` (default os.tmpdir()), fsyncs, removes it; seconds include the fsync.
 */
export function measureDiskWrite(mib = 256, dir = os.tmpdir()): number {
  const file = path.join(fs.mkdtempSync(path.join(dir, 'freshcache-disk-')), 'write.bin');
  const chunk = Buffer.alloc(4 * 2 ** 20, 7);
  try {
    const fd = fs.openSync(file, 'w');
    const t0 = performance.now();
    for (let i = 0; i < mib / 4; i++) fs.writeSync(fd, chunk);
    fs.fsyncSync(fd);
    const s = (performance.now() - t0) / 1000;
    fs.closeSync(fd);
    return mib / s;
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/** One Markdown paragraph describing the machine. */
export function machineMarkdown(m: MachineDescription, limits?: { memoryGBps?: number; diskWriteMBps?: number }): string {
  const peers = m.peers ? `PyTorch ${m.peers.torch}, FAISS ${m.peers.faiss}, numpy ${m.peers.numpy}, transformers ${m.peers.transformers}` : `peers: ${m.peersError ?? 'none'}`;
  const lim = limits ? ` Measured: memory copy ${limits.memoryGBps?.toFixed(1) ?? '–'} GB/s, disk write (fsync) ${limits.diskWriteMBps?.toFixed(0) ?? '–'} MB/s.` : '';
  return `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; tfjs ${m.tfjsVersion ?? '–'}, ${m.backend ?? 'no backend'}` +
    `${m.libtensorflow ? ` (libtensorflow ${m.libtensorflow})` : ''}; ${peers}. Load average at start: ${m.loadAvg.join(' / ')}.${lim}`;
}
