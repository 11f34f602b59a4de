/**
 * The one place that imports TensorFlow.js packages. Everything else does
 * `import { tf } from '../tensor'` so the backend choice lives here.
 *
 * Order tried by `initBackend('auto')`: native GPU (`@tensorflow/tfjs-node-gpu`, when installed and
 * an NVIDIA device is visible), native CPU (`@tensorflow/tfjs-node`, built against libtensorflow by
 * scripts/setup-tfjs-node.js), wasm (`@tensorflow/tfjs-backend-wasm`), then pure-JS cpu. The choice
 * can be forced with FRESHCACHE_BACKEND or the CLI's --backend flag. The result says which backend is
 * in use and why each better one was not.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import { InputError } from '../util/errors';

export { tf };
export { l2NormalizeRows } from './ops';

export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto';

export interface BackendInfo {
  /** The backend in use. */
  name: BackendName;
  /** tfjs's own name for it ('tensorflow' for both native ones). */
  tfName: string;
  /** Why each backend ahead of it in the order was not used. */
  skipped: { name: BackendName; reason: string }[];
  /** libtensorflow version for the native backends. */
  tfVersion?: string;
  /** One line for logs: "backend: tensorflow (native CPU, TF 2.21.0); skipped tensorflow-gpu: ..." */
  summary: string;
}

let current: BackendInfo | null = null;

/** Parses a backend name from a flag or an environment variable, with a clear error. */
export function parseBackend(value: string, source: string): BackendRequest {
  if (value === 'auto' || (BACKENDS as readonly string[]).includes(value)) return value as BackendRequest;
  throw new InputError(`${source}: unknown backend '${value}'; expected one of auto, ${BACKENDS.join(', ')}`);
}

/** Loaders return an error message when the backend is unavailable, else undefined. */
type Loader = () => Promise<string | undefined>;

function hasNvidiaDevice(): boolean {
  return fs.existsSync('/dev/nvidia0') || fs.existsSync('/dev/nvidiactl');
}

const loaders: Record<BackendName, Loader> = {
  'tensorflow-gpu': async () => {
    try {
      require.resolve('@tensorflow/tfjs-node-gpu');
    } catch {
      return '@tensorflow/tfjs-node-gpu is not installed (see environment.md, GPU machines)';
    }
    if (!hasNvidiaDevice()) return 'no NVIDIA device visible (/dev/nvidia0)';
    try {
      require('@tensorflow/tfjs-node-gpu');
    } catch (e) {
      return `@tensorflow/tfjs-node-gpu failed to load: ${firstLine(e)}`;
    }
    return (await tf.setBackend('tensorflow')) ? undefined : 'tensorflow backend failed to initialise';
  },
  tensorflow: async () => {
    // libtensorflow's INFO lines (oneDNN, CPU features) are noise for users; warnings still show
    if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '1';
    try {
      require('@tensorflow/tfjs-node');
    } catch (e) {
      return `@tensorflow/tfjs-node addon did not load (${firstLine(e)}); run \`npm rebuild\` or \`node scripts/setup-tfjs-node.js\``;
    }
    return (await tf.setBackend('tensorflow')) ? undefined : 'tensorflow backend failed to initialise';
  },
  wasm: async () => {
    try {
      require('@tensorflow/tfjs-backend-wasm');
    } catch (e) {
      return `@tensorflow/tfjs-backend-wasm did not load: ${firstLine(e)}`;
    }
    return (await tf.setBackend('wasm')) ? undefined : 'wasm backend failed to initialise';
  },
  cpu: async () => ((await tf.setBackend('cpu')) ? undefined : 'cpu backend failed to initialise'),
};

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}

const describe: Record<BackendName, string> = {
  'tensorflow-gpu': 'native GPU',
  tensorflow: 'native CPU',
  wasm: 'WebAssembly, single thread',
  cpu: 'pure JavaScript, slow',
};

/**
 * Picks and initialises the backend. `request` defaults to FRESHCACHE_BACKEND, else 'auto'. A forced
 * backend that is unavailable is an error (no silent fallback); 'auto' walks the order above.
 * Idempotent: a second call with the same request returns the first result.
 */
export async function initBackend(request?: BackendRequest): Promise<BackendInfo> {
  const req = request ?? (process.env.FRESHCACHE_BACKEND ? parseBackend(process.env.FRESHCACHE_BACKEND, 'FRESHCACHE_BACKEND') : 'auto');
  if (current && (req === 'auto' || req === current.name)) return current;
  const order: BackendName[] = req === 'auto' ? [...BACKENDS] : [req];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    const why = await loaders[name]();
    if (why === undefined) {
      await tf.ready();
      const native = name === 'tensorflow' || name === 'tensorflow-gpu';
      const tfVersion = native ? nativeTfVersion() : undefined;
      const summary = `backend: ${name} (${describe[name]}${tfVersion ? `, TF ${tfVersion}` : ''})` +
        skipped.map((s) => `; skipped ${s.name}: ${s.reason}`).join('');
      current = { name, tfName: tf.getBackend(), skipped, tfVersion, summary };
      return current;
    }
    skipped.push({ name, reason: why });
  }
  throw new Error(`no TensorFlow.js backend available: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

function nativeTfVersion(): string | undefined {
  // the native backend keeps the addon handle; TF_Version is libtensorflow's own version
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  return binding?.TF_Version;
}

/** The backend chosen by the last initBackend, or null. */
export function backendInfo(): BackendInfo | null {
  return current;
}
