/**
 * The native TensorFlow backends: `@tensorflow/tfjs-node` (CPU) and `@tensorflow/tfjs-node-gpu`. Both
 * packages ship the same binding and register the same backend name ('tensorflow'), so a process
 * loads at most one of them; which GPU or CPU it runs on depends only on the libtensorflow the addon
 * was built against (scripts/setup-tfjs-node.js, scripts/setup-gpu.js). The GPU package is therefore
 * called GPU only when TensorFlow says it placed its device on a GPU (`isUsingGpuDevice`): a GPU
 * package built against the CPU wheel runs on the CPU and is reported as such.
 */
import * as fs from 'fs';
import * as os from 'os';
import { tf } from './tf';
import { type DeviceInfo, queryNvidiaSmi } from './device';

export type NativePackage = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';

/** The native package loaded in this process, if any (there can be only one). */
let loaded: NativePackage | null = null;

interface NativeBackendShape {
  isUsingGpuDevice?: boolean;
  binding?: { TF_Version?: string };
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}

export function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

export function packageVersion(pkg: string): string | undefined {
  try {
    return (require(`${pkg}/package.json`) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Loads `pkg` (unless a native package is already loaded) and makes 'tensorflow' the tfjs backend.
 * Returns why it could not, or undefined.
 */
export async function loadNative(pkg: NativePackage): Promise<string | undefined> {
  if (loaded === null) {
    if (!isInstalled(pkg)) return `${pkg} is not installed`;
    const llvm = foreignLlvm();
    if (llvm) {
      return `${llvm} (Mesa's renderer, loaded for the webgpu backend) is already in this process and libtensorflow crashes against it (both export LLVM): choose the native backend before webgpu, or run it in its own process`;
    }
    // libtensorflow's INFO lines (oneDNN, CPU features) are noise for users; warnings still show
    if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '1';
    // kernels JIT-compiled for a GPU newer than the build's targets (Hopper from compute_90 PTX) are cached here
    if (pkg === '@tensorflow/tfjs-node-gpu' && process.env.CUDA_CACHE_MAXSIZE === undefined) process.env.CUDA_CACHE_MAXSIZE = String(4 * 2 ** 30);
    try {
      require(pkg);
    } catch (e) {
      return pkg === '@tensorflow/tfjs-node'
        ? `${pkg} addon did not load (${firstLine(e)}); run \`npm rebuild\` or \`node scripts/setup-tfjs-node.js\``
        : `${pkg} addon did not load (${firstLine(e)}); run \`npm run setup:gpu\``;
    }
    loaded = pkg;
  }
  return (await tf.setBackend('tensorflow')) ? undefined : 'the tensorflow backend failed to initialise';
}

/**
 * An LLVM shared library already mapped into this process (Mesa's llvmpipe / lavapipe load
 * libLLVM-NN.so); libtensorflow_cc exports LLVM's symbols too, and loading it after such a library
 * segfaults (seen with Debian 12's libLLVM-15 and TF 2.21). Loaded the other way round, both work.
 */
function foreignLlvm(): string | undefined {
  try {
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    const m = /\/[^\s]*\/(libLLVM[^\s/]*\.so[^\s/]*)/.exec(maps);
    return m?.[1];
  } catch {
    return undefined; // not Linux
  }
}

export function loadedNativePackage(): NativePackage | null {
  return loaded;
}

/** What the loaded native backend runs on, as TensorFlow reports it. Call after loadNative succeeded. */
export function nativeDevice(): DeviceInfo {
  const b = tf.backend() as unknown as NativeBackendShape;
  if (b.isUsingGpuDevice !== true) return { kind: 'cpu', name: os.cpus()[0]?.model ?? 'CPU' };
  const smi = queryNvidiaSmi();
  return smi
    ? { kind: 'gpu', name: smi.name, memoryMiB: smi.memoryMiB, computeCapability: smi.computeCapability, driver: smi.driver }
    : { kind: 'gpu', name: 'GPU:0 (nvidia-smi not found: no name or memory)' };
}

/** libtensorflow's own version (TF_Version) of the loaded native backend. */
export function nativeTfVersion(): string | undefined {
  return (tf.backend() as unknown as NativeBackendShape).binding?.TF_Version;
}

/** Why a native backend that loaded is not a GPU one (one line). */
export const NOT_ON_GPU =
  'TensorFlow reports no GPU device (isUsingGpuDevice is false): the addon is built against a libtensorflow without CUDA kernels, or CUDA/cuDNN were not found; run `npm run setup:gpu` on a machine with an NVIDIA GPU';
