/**
 * What a backend runs on, as the backend's library reports it. `kind` is 'gpu' only when the library
 * says work runs on a GPU (tfjs-node's `isUsingGpuDevice`, a WebGPU adapter that is not a software
 * renderer); the description (name, memory, compute capability) comes from nvidia-smi for CUDA and
 * from the adapter info for WebGPU.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';

export interface DeviceInfo {
  /** 'gpu': the library placed work on a GPU; 'software-gpu': a GPU API served by a CPU renderer (llvmpipe); 'cpu'. */
  kind: 'gpu' | 'software-gpu' | 'cpu';
  /** e.g. "NVIDIA H200", "llvmpipe (LLVM 15.0.6, 256 bits)", or the CPU model. */
  name: string;
  memoryMiB?: number;
  /** CUDA compute capability, e.g. "9.0". */
  computeCapability?: string;
  driver?: string;
  /** WebGPU adapter info as Dawn reports it. */
  adapter?: { vendor: string; architecture: string; device: string; description: string; api: string; featureLevel: 'core' | 'compatibility' };
}

/** GPU device files present on this machine (a hint for 'auto' only; never proof that work runs there). */
export function gpuDeviceNodes(): string[] {
  const out: string[] = [];
  for (const f of ['/dev/nvidia0', '/dev/nvidiactl']) if (fs.existsSync(f)) out.push(f);
  try {
    for (const f of fs.readdirSync('/dev/dri')) if (f.startsWith('renderD')) out.push(`/dev/dri/${f}`);
  } catch {
    // no /dev/dri
  }
  return out;
}

export interface NvidiaGpu {
  name: string;
  memoryMiB: number;
  computeCapability: string;
  driver: string;
}

/** The first GPU nvidia-smi lists (the one TensorFlow calls GPU:0 unless CUDA_VISIBLE_DEVICES reorders), or undefined. */
export function queryNvidiaSmi(run: typeof spawnSync = spawnSync): NvidiaGpu | undefined {
  const r = run('nvidia-smi', ['--query-gpu=name,memory.total,compute_cap,driver_version', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  return parseNvidiaSmi(r.stdout);
}

/** Parses one line of `nvidia-smi --query-gpu=name,memory.total,compute_cap,driver_version --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(stdout: string): NvidiaGpu | undefined {
  const line = stdout.split('\n').map((l) => l.trim()).find((l) => l.length > 0);
  if (!line) return undefined;
  const [name, mem, cc, driver] = line.split(',').map((s) => s.trim());
  const memoryMiB = Number(mem);
  if (!name || !Number.isFinite(memoryMiB)) return undefined;
  return { name, memoryMiB, computeCapability: cc ?? '', driver: driver ?? '' };
}

/** One phrase for logs: "NVIDIA H200, 143771 MiB, compute 9.0, driver 580.65". */
export function describeDevice(d: DeviceInfo): string {
  const parts = [d.adapter?.description && d.adapter.description !== d.name ? `${d.name} (${d.adapter.description})` : d.name];
  if (d.memoryMiB !== undefined) parts.push(`${d.memoryMiB} MiB`);
  if (d.computeCapability) parts.push(`compute ${d.computeCapability}`);
  if (d.driver) parts.push(`driver ${d.driver}`);
  if (d.adapter) parts.push(`${d.adapter.api}${d.adapter.featureLevel === 'compatibility' ? ' (compatibility mode)' : ''}`);
  if (d.kind === 'software-gpu') parts.push('a software adapter running on the CPU, not a GPU');
  return parts.join(', ');
}
