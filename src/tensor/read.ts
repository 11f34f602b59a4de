/**
 * Device → host reads. Every read in the library is awaited (`t.data()`): WebGPU in Node has no
 * synchronous read, and an await lets Ctrl-C and progress run. On a GPU backend the tensors of one
 * call are flattened and joined on the device first, so a call costs one device → host copy per
 * dtype; on the CPU backends each tensor is read as it is (the values are already in host memory,
 * and joining would only add a copy).
 */
import { tf } from './tf';

type HostValues = Float32Array | Int32Array | Uint8Array;

/** True when the current backend keeps tensors in device memory (tensorflow on a GPU, webgpu). */
function onDevice(): boolean {
  const name = tf.getBackend();
  if (name === 'webgpu') return true;
  return name === 'tensorflow' && (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
}

/**
 * The values of `tensors`, in order, as host typed arrays (float32 → Float32Array, int32 →
 * Int32Array, bool → Uint8Array). The tensors are not disposed. On a GPU backend the arrays of one
 * dtype are views into one buffer.
 */
export async function readTensors(tensors: readonly tf.Tensor[]): Promise<HostValues[]> {
  if (tensors.length <= 1 || !onDevice()) return Promise.all(tensors.map((t) => t.data() as Promise<HostValues>));
  const out: HostValues[] = new Array(tensors.length);
  const byDtype = new Map<string, number[]>();
  tensors.forEach((t, i) => byDtype.set(t.dtype, [...(byDtype.get(t.dtype) ?? []), i]));
  await Promise.all([...byDtype.values()].map(async (idx) => {
    if (idx.length === 1) {
      out[idx[0]] = (await tensors[idx[0]].data()) as HostValues;
      return;
    }
    const joined = tf.tidy(() => tf.concat(idx.map((i) => tf.reshape(tensors[i], [-1]))));
    try {
      const all = (await joined.data()) as HostValues;
      let off = 0;
      for (const i of idx) {
        out[i] = all.subarray(off, off + tensors[i].size) as HostValues;
        off += tensors[i].size;
      }
    } finally {
      joined.dispose();
    }
  }));
  return out;
}

/** The first value of a tensor (a scalar loss, a norm) as a number; the tensor is not disposed. */
export async function readScalar(t: tf.Tensor): Promise<number> {
  return (await t.data())[0] as number;
}

/** Copies of the tensors' float values (safe to keep after the tensors change or are disposed). */
export async function copyFloats(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  return (await readTensors(tensors)).map((v) => Float32Array.from(v as Float32Array));
}
