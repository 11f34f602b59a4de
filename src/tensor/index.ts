/**
 * The one place that imports TensorFlow.js packages. Everything else does
 * `import { tf } from '../tensor'` so the backend choice lives here.
 *
 * Order tried by `initBackend('auto')` (names.ts): native GPU (`@tensorflow/tfjs-node-gpu`, when
 * installed and an NVIDIA device is visible), WebGPU (when a GPU device is visible), native CPU
 * (`@tensorflow/tfjs-node`, built against libtensorflow by scripts/setup-tfjs-node.js), wasm, then
 * pure-JS cpu. A backend counts as GPU only when its library says work runs there (device.ts). The
 * choice can be forced with FRESHCACHE_BACKEND or the CLI's --backend flag. The result says which
 * backend is in use, on what device, with which library versions, and why each better one was not.
 */
import * as os from 'os';
import { tf } from './tf';
import { BACKENDS, BackendUnavailableError, parseBackend, type BackendName, type BackendRequest } from './names';
import { type DeviceInfo, describeDevice, gpuDeviceNodes } from './device';
import { isInstalled, loadNative, loadedNativePackage, nativeDevice, nativeTfVersion, NOT_ON_GPU, packageVersion } from './native';
import { startWebGpu } from './webgpu';

export { tf };
export { l2NormalizeRows } from './ops';
export { readTensors, readScalar, copyFloats } from './read';
export { measureMatMul, measureMatMulWithin, type MatMulSpeed } from './speed';
export { BACKENDS, BACKEND_CHOICES, BackendUnavailableError, parseBackend, type BackendName, type BackendRequest } from './names';
export { type DeviceInfo, describeDevice } from './device';

export interface BackendInfo {
  /** The backend in use. */
  name: BackendName;
  /** tfjs's own name for it ('tensorflow' for both native ones). */
  tfName: string;
  /** True only when the library says work runs on a GPU (never for a software adapter or a CPU build of the GPU package). */
  gpu: boolean;
  device: DeviceInfo;
  /** Library versions: tfjs, libtensorflow, the native package or the WebGPU packages. */
  versions: Record<string, string>;
  /** Why each backend ahead of it in the order was not used. */
  skipped: { name: BackendName; reason: string }[];
  /** libtensorflow version for the native backends. */
  tfVersion?: string;
  /** One line for logs: "backend: tensorflow (native CPU, TF 2.21.0); skipped tensorflow-gpu: ..." */
  summary: string;
}

let current: BackendInfo | null = null;

/** Loaders return why the backend is unavailable, or what it runs on. `forced`: asked for by name. */
type Loader = (forced: boolean) => Promise<string | { device: DeviceInfo; versions: Record<string, string> }>;

const cpuDevice = (): DeviceInfo => ({ kind: 'cpu', name: os.cpus()[0]?.model ?? 'CPU' });

function nativeVersions(): Record<string, string> {
  const pkg = loadedNativePackage();
  const v: Record<string, string> = {};
  const tfv = nativeTfVersion();
  if (tfv) v.libtensorflow = tfv;
  if (pkg) v[pkg] = packageVersion(pkg) ?? '?';
  return v;
}

const loaders: Record<BackendName, Loader> = {
  'tensorflow-gpu': async (forced) => {
    if (!isInstalled('@tensorflow/tfjs-node-gpu')) return '@tensorflow/tfjs-node-gpu is not installed (see environment.md, GPU machines)';
    if (loadedNativePackage() === '@tensorflow/tfjs-node') return '@tensorflow/tfjs-node is already loaded in this process (one native package per process)';
    // loading libtensorflow costs seconds and pins this process to that package: only with a device to find
    if (!forced && !gpuDeviceNodes().some((f) => f.includes('nvidia'))) return 'no NVIDIA device visible (/dev/nvidia0)';
    const why = await loadNative('@tensorflow/tfjs-node-gpu');
    if (why) return why;
    const device = nativeDevice();
    if (device.kind !== 'gpu') return NOT_ON_GPU;
    return { device, versions: nativeVersions() };
  },
  webgpu: async (forced) => {
    if (!forced && gpuDeviceNodes().length === 0) {
      return 'no GPU device visible (/dev/nvidia0, /dev/dri/renderD*): only a software adapter could run, slower than the CPU backends; force it with --backend webgpu';
    }
    return startWebGpu(forced);
  },
  tensorflow: async () => {
    // a GPU package that loaded but found no GPU is the native CPU backend (one native package per process)
    const why = await loadNative(loadedNativePackage() ?? '@tensorflow/tfjs-node');
    if (why) return why;
    return { device: nativeDevice(), versions: nativeVersions() };
  },
  wasm: async () => {
    try {
      require('@tensorflow/tfjs-backend-wasm');
    } catch (e) {
      return `@tensorflow/tfjs-backend-wasm did not load: ${firstLine(e)}`;
    }
    if (!(await tf.setBackend('wasm'))) return 'wasm backend failed to initialise';
    return { device: cpuDevice(), versions: { '@tensorflow/tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm') ?? '?' } };
  },
  cpu: async () => ((await tf.setBackend('cpu')) ? { device: cpuDevice(), versions: {} } : 'cpu backend failed to initialise'),
};

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}

function describe(name: BackendName, device: DeviceInfo, versions: Record<string, string>): string {
  switch (name) {
    case 'tensorflow-gpu':
      return `native GPU: ${describeDevice(device)}; TF ${versions.libtensorflow ?? '?'}`;
    case 'webgpu':
      return `WebGPU: ${describeDevice(device)}`;
    case 'tensorflow': {
      const via = loadedNativePackage() === '@tensorflow/tfjs-node-gpu' ? ', through @tensorflow/tfjs-node-gpu' : '';
      return `native CPU, TF ${versions.libtensorflow ?? '?'}${via}`;
    }
    case 'wasm':
      return 'WebAssembly, single thread';
    case 'cpu':
      return 'pure JavaScript, slow';
  }
}

/**
 * Picks and initialises the backend: `request` when it names one, else FRESHCACHE_BACKEND when set,
 * else 'auto' (so the CLI's default `--backend auto` leaves the environment's choice alone). A forced
 * backend that is unavailable is a BackendUnavailableError with the reason in one line (no silent
 * fallback); 'auto' walks the order above. Idempotent: a second call with the same request returns
 * the first result.
 */
export async function initBackend(request?: BackendRequest): Promise<BackendInfo> {
  const env = process.env.FRESHCACHE_BACKEND;
  const req = request && request !== 'auto' ? request : env ? parseBackend(env, 'FRESHCACHE_BACKEND') : 'auto';
  if (current && (req === 'auto' || req === current.name)) {
    if (tf.getBackend() !== current.tfName) await tf.setBackend(current.tfName);
    return current;
  }
  const order: BackendName[] = req === 'auto' ? [...BACKENDS] : [req];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    const got = await loaders[name](req !== 'auto');
    if (typeof got === 'string') {
      skipped.push({ name, reason: got });
      continue;
    }
    await tf.ready();
    const versions: Record<string, string> = { tfjs: tf.version_core, ...got.versions };
    const summary = `backend: ${name} (${describe(name, got.device, versions)})` + skipped.map((s) => `; skipped ${s.name}: ${s.reason}`).join('');
    current = {
      name, tfName: tf.getBackend(), gpu: got.device.kind === 'gpu', device: got.device, versions, skipped, tfVersion: versions.libtensorflow, summary,
    };
    return current;
  }
  if (req !== 'auto') throw new BackendUnavailableError(`backend ${req} is not available: ${skipped[0].reason}`);
  throw new Error(`no TensorFlow.js backend available: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/** The backend chosen by the last initBackend, or null. */
export function backendInfo(): BackendInfo | null {
  return current;
}

/** What `config.json` and results record about the backend that ran (plain JSON). */
export interface BackendRecord {
  name: BackendName;
  gpu: boolean;
  device: DeviceInfo;
  versions: Record<string, string>;
  skipped: { name: BackendName; reason: string }[];
}

/** The record of the backend in use (initialises the default backend when none is chosen yet). */
export async function backendRecord(): Promise<BackendRecord> {
  const b = current ?? (await initBackend());
  return { name: b.name, gpu: b.gpu, device: b.device, versions: b.versions, skipped: b.skipped };
}
