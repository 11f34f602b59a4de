/**
 * Backend names and their parsing, without loading TensorFlow.js (the CLI's flag table needs the
 * list before any backend is chosen).
 *
 * Order tried by `initBackend('auto')`: native GPU (`tensorflow-gpu`), WebGPU (`webgpu`, only with a
 * GPU device visible: a software adapter is slower than the CPU backends), native CPU
 * (`tensorflow`), WebAssembly (`wasm`), pure JavaScript (`cpu`).
 */
import { InputError } from '../util/errors';

export const BACKENDS = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto';
export const BACKEND_CHOICES: readonly string[] = ['auto', ...BACKENDS];

/** Parses a backend name from a flag or an environment variable, with a clear error. */
export function parseBackend(value: string, source: string): BackendRequest {
  if (BACKEND_CHOICES.includes(value)) return value as BackendRequest;
  throw new InputError(`${source}: unknown backend '${value}'; expected one of ${BACKEND_CHOICES.join(', ')}`);
}

/** A requested backend that cannot start: one line with the reason (the CLI prints it and exits 2). */
export class BackendUnavailableError extends InputError {
  override name = 'BackendUnavailableError';
}
