/**
 * The WebGPU backend in Node: `@tensorflow/tfjs-backend-webgpu` over Dawn from the `webgpu` npm
 * package (its Linux binary ships inside the package). The backend registers itself at import only
 * when `navigator.gpu` exists, so this file sets `navigator.gpu` from `create([])` first.
 *
 * Adapters: Dawn's default backend (Vulkan on Linux) first, which finds an NVIDIA GPU through its
 * driver's Vulkan ICD; then Dawn's OpenGL backend over EGL, which on machines without a GPU finds
 * Mesa's llvmpipe (Debian: libegl1, libegl-mesa0, libgl1-mesa-dri) in WebGPU compatibility mode.
 * Debian 12's Vulkan software renderer (lavapipe, Mesa 22.3) lacks a feature Dawn requires, so the
 * OpenGL route is the one that runs on these CPU machines. A software adapter is reported as such
 * ('software-gpu'), never as a GPU.
 *
 * Node has no synchronous read of a WebGPU buffer (tfjs reads through an OffscreenCanvas in
 * browsers): `dataSync()` of a tensor that lives on the device fails at once with one line naming
 * the fix (`await t.data()`, or readTensors in ./read.ts) instead of an obscure ReferenceError.
 */
import { tf } from './tf';
import type { DeviceInfo } from './device';
import { packageVersion } from './native';

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
}
interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<AdapterLike | null>;
  getPreferredCanvasFormat?(): string;
  wgslLanguageFeatures?: unknown;
}
interface WebGpuModule {
  create(options: string[]): GpuLike;
  globals: object;
}

export const SYNC_READ_MESSAGE =
  'webgpu backend: a synchronous read (dataSync/arraySync, or a kernel that needs the values on the host) of a tensor on the device is not possible in Node; read it with `await tensor.data()` (readTensors in src/tensor)';

/** Renderer names of software rasterisers (Mesa llvmpipe / lavapipe / softpipe, SwiftShader, WARP). */
const SOFTWARE_RENDERER = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|software/i;

/** True when the adapter is a CPU renderer (Dawn's fallback flag, or a known software renderer's name). */
export function isSoftwareAdapter(info: AdapterInfoLike, fallbackFlag?: boolean): boolean {
  if (fallbackFlag === true || info.isFallbackAdapter === true) return true;
  return SOFTWARE_RENDERER.test([info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' '));
}

interface Started {
  device: DeviceInfo;
  versions: Record<string, string>;
}

let started: Started | null = null;

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}

/** Finds an adapter: Dawn's default backend, then OpenGL over EGL; each in core, then compatibility mode. */
async function findAdapter(mod: WebGpuModule): Promise<{ gpu: GpuLike; adapter: AdapterLike; api: string; featureLevel: 'core' | 'compatibility' } | undefined> {
  const attempts: { options: string[]; api: string }[] = [
    { options: [], api: process.platform === 'linux' ? 'Vulkan' : 'native' },
    { options: ['backend=opengl'], api: 'OpenGL (EGL)' },
  ];
  // Mesa's EGL defaults to X11 or Wayland; without a display only the surfaceless platform initialises
  if (process.platform === 'linux' && process.env.EGL_PLATFORM === undefined && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    process.env.EGL_PLATFORM = 'surfaceless';
  }
  for (const a of attempts) {
    const gpu = mod.create(a.options);
    const core = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (core) return { gpu, adapter: core, api: a.api, featureLevel: 'core' };
    const compat = await gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel: 'compatibility' });
    if (compat) return { gpu, adapter: compat, api: a.api, featureLevel: 'compatibility' };
  }
  return undefined;
}

/** Describes an adapter (plain data). */
export function adapterDevice(info: AdapterInfoLike, api: string, featureLevel: 'core' | 'compatibility', fallbackFlag?: boolean): DeviceInfo {
  const adapter = {
    vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '', api, featureLevel,
  };
  const name = adapter.device || adapter.description || adapter.vendor || 'unnamed WebGPU adapter';
  return { kind: isSoftwareAdapter(info, fallbackFlag) ? 'software-gpu' : 'gpu', name, adapter };
}

/**
 * Starts the webgpu backend (idempotent). `allowSoftware` false (the 'auto' order) refuses a
 * software adapter before loading the tfjs backend. Returns why it could not start, or the device.
 */
export async function startWebGpu(allowSoftware: boolean): Promise<Started | string> {
  if (started) {
    if (!allowSoftware && started.device.kind !== 'gpu') return softwareReason(started.device);
    return (await tf.setBackend('webgpu')) ? started : 'the webgpu backend failed to initialise';
  }
  let mod: WebGpuModule;
  try {
    mod = require('webgpu') as WebGpuModule;
  } catch (e) {
    return `the webgpu package (Dawn) did not load: ${firstLine(e)}`;
  }
  const found = await findAdapter(mod);
  if (!found) {
    return 'Dawn found no WebGPU adapter (no Vulkan GPU driver, and no OpenGL/EGL one: on Debian `apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri` gives a software adapter)';
  }
  const info = found.adapter.info ?? {};
  const device = adapterDevice(info, found.api, found.featureLevel, found.adapter.isFallbackAdapter);
  if (!allowSoftware && device.kind !== 'gpu') return softwareReason(device);
  Object.assign(globalThis, mod.globals); // GPUBufferUsage, GPUMapMode, ... that the backend reads as globals
  let handedOut = false;
  const gpu: GpuLike = {
    // the backend asks for an adapter itself: give it the one described above, in the mode that worked
    requestAdapter: async (options) => {
      if (!handedOut) {
        handedOut = true;
        return found.adapter;
      }
      return found.gpu.requestAdapter({ ...options, featureLevel: found.featureLevel });
    },
    getPreferredCanvasFormat: () => found.gpu.getPreferredCanvasFormat?.() ?? 'rgba8unorm',
    wgslLanguageFeatures: found.gpu.wgslLanguageFeatures,
  };
  const g = globalThis as unknown as { navigator?: { gpu?: GpuLike } };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  else g.navigator = { gpu };
  try {
    require('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    return `@tensorflow/tfjs-backend-webgpu did not load: ${firstLine(e)}`;
  }
  if (!(await tf.setBackend('webgpu'))) return 'the webgpu backend failed to initialise (see the warning above)';
  guardSyncReads();
  const versions: Record<string, string> = {};
  for (const pkg of ['@tensorflow/tfjs-backend-webgpu', 'webgpu']) {
    const v = packageVersion(pkg);
    if (v) versions[pkg] = v;
  }
  started = { device, versions };
  return started;
}

function softwareReason(d: DeviceInfo): string {
  return `only a software adapter (${d.name}) is available, slower than the CPU backends; force it with --backend webgpu`;
}

interface WebGpuBackendShape {
  readSync(dataId: object): unknown;
  tensorMap: { get(dataId: object): { values: unknown; dtype: string } | undefined };
}

/** Replaces the backend's OffscreenCanvas read with a one-line error when the values are not on the host yet. */
function guardSyncReads(): void {
  const b = tf.backend() as unknown as WebGpuBackendShape;
  const read = b.readSync.bind(b);
  b.readSync = (dataId: object) => {
    const d = b.tensorMap.get(dataId);
    if (d && d.values == null && d.dtype !== 'string') throw new Error(SYNC_READ_MESSAGE);
    return read(dataId);
  };
}
