/**
 * `npm run setup:gpu`: builds @tensorflow/tfjs-node-gpu (the same binding as tfjs-node) against a
 * CUDA 12 libtensorflow of the same TensorFlow version as the CPU build, then confirms in a child
 * process that TensorFlow places its work on the GPU; otherwise it fails with one line saying why.
 *
 *   1. libtensorflow: the Linux `tensorflow==2.21.0` wheel (it carries the GPU kernels) and the
 *      `nvidia-*-cu12` wheels its `and-cuda` extra names (CUDA runtime, cuBLAS, cuDNN, ...),
 *      downloaded with pip (PyPI, or whatever index pip is configured with) and unpacked into
 *      .cache/tf-gpu/site/ in the wheels' own layout: site/tensorflow/libtensorflow_cc.so.2 finds
 *      its CUDA libraries through its RUNPATH `$ORIGIN/../nvidia/<lib>/lib`. Or any libtensorflow C
 *      build named by FRESHCACHE_LIBTENSORFLOW_DIR (a folder with lib/ and include/, e.g.
 *      conda-forge's `libtensorflow` CUDA builds, whose CUDA libraries sit beside it in lib/).
 *   2. The package's deps/lib becomes a link to that library FOLDER (not links to each file): the
 *      loader expands $ORIGIN to the folder a library was opened through, so per-file links would
 *      point $ORIGIN/../nvidia at the package and lose the CUDA libraries (TF #65842, #63362).
 *   3. node-pre-gyp builds the addon from source; CUDA_CACHE_MAXSIZE (4 GiB) keeps the kernels that
 *      newer GPUs JIT-compile from PTX at first use (Hopper: TF builds sm_60..89 plus compute_90).
 *   4. A child process runs `freshcache backend --backend tensorflow-gpu --json`: only
 *      isUsingGpuDevice (TensorFlow's own answer) counts.
 *
 * Not run on a GPU by any session so far (environment.md says what was and was not checked).
 */
import { spawnSync, type SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

interface TfjsBuild {
  TF_VERSION: string;
  python(): string;
  run(cmd: string, args: string[], opts?: object): void;
  addonLoads(pkgDir: string): boolean;
  buildAddon(pkgDir: string): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require('./setup-tfjs-node.js') as TfjsBuild;

export const TF_VERSION = build.TF_VERSION;
const ROOT = path.resolve(__dirname, '..');
export const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';
const log = (msg: string) => console.log(`[setup-gpu] ${msg}`);

/** A failure the user can act on: main() prints `setup:gpu: <message>` (one line) and exits 1. */
export class SetupGpuError extends Error {}

/** pip's arguments to download wheels, without their dependencies, into `dest`. */
export function pipDownloadArgs(requirements: string[], dest: string): string[] {
  return ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-d', dest, ...requirements];
}

/** The requirements of a wheel's `and-cuda` extra, from its METADATA (`Requires-Dist: x; extra == "and-cuda"`). */
export function andCudaRequirements(metadata: string): string[] {
  const out: string[] = [];
  for (const line of metadata.split('\n')) {
    const m = /^Requires-Dist:\s*([^;]+?)\s*;\s*(.*)$/.exec(line.trim());
    if (!m || !/extra\s*==\s*["']and-cuda["']/.test(m[2])) continue;
    out.push(m[1].replace(/[\s()]/g, '')); // "nvidia-cublas-cu12 (==12.5.3.2)" → "nvidia-cublas-cu12==12.5.3.2"
  }
  return out;
}

/** What is kept from each wheel: the two TensorFlow libraries, the C headers, the CUDA libraries. */
export const KEEP = [
  '^tensorflow/libtensorflow_cc\\.so\\.2$',
  '^tensorflow/libtensorflow_framework\\.so\\.2$',
  '^tensorflow/include/(tensorflow|tsl|xla)/',
  '^nvidia/[^/]+/lib/[^/]+$',
];

/** Unpacks the kept files of `wheels` into `site`, in the wheels' own layout (paths unchanged). */
export function unpackWheels(python: string, wheels: string[], site: string, keep: string[] = KEEP): void {
  const py = `
import re, sys, zipfile, os, shutil
site, keep, wheels = sys.argv[1], [re.compile(k) for k in sys.argv[2].split('\\n')], sys.argv[3:]
for whl in wheels:
    with zipfile.ZipFile(whl) as z:
        for info in z.infolist():
            n = info.filename
            if n.endswith('/') or not any(k.search(n) for k in keep):
                continue
            dst = os.path.join(site, n)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with z.open(info) as src, open(dst, 'wb') as out:
                shutil.copyfileobj(src, out, 1 << 20)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(dst, mode)
`;
  const r = spawnSync(python, ['-c', py, site, keep.join('\n'), ...wheels], { encoding: 'utf8' });
  if (r.status !== 0) throw new SetupGpuError(`unpacking wheels failed: ${(r.stderr || '').trim().split('\n').pop()}`);
}

/** The METADATA text of a wheel. */
export function wheelMetadata(python: string, wheel: string): string {
  const py = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode())';
  const r = spawnSync(python, ['-c', py, wheel], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new SetupGpuError(`${wheel}: no readable METADATA (${(r.stderr || '').trim().split('\n').pop()})`);
  return r.stdout;
}

/**
 * The library folder the binding links against: the unpacked wheel's tensorflow/ folder, given the
 * unversioned names the linker needs (libtensorflow.so, libtensorflow_framework.so) as links in the
 * same folder. Returns {lib, include}.
 */
export function wheelLibraryView(site: string): { lib: string; include: string } {
  const lib = path.join(site, 'tensorflow');
  for (const f of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
    if (!fs.existsSync(path.join(lib, f))) throw new SetupGpuError(`${lib}: ${f} is missing; expected the tensorflow wheel unpacked there`);
  }
  for (const [name, target] of [['libtensorflow.so', 'libtensorflow_cc.so.2'], ['libtensorflow_framework.so', 'libtensorflow_framework.so.2']]) {
    const at = path.join(lib, name);
    fs.rmSync(at, { force: true });
    fs.symlinkSync(target, at);
  }
  return { lib, include: path.join(lib, 'include') };
}

/** Checks a FRESHCACHE_LIBTENSORFLOW_DIR build: lib/ with the linker names, include/ with the C API. */
export function customLibraryView(dir: string): { lib: string; include: string } {
  const lib = path.join(dir, 'lib');
  const include = path.join(dir, 'include');
  for (const f of ['libtensorflow.so', 'libtensorflow_framework.so']) {
    if (!fs.existsSync(path.join(lib, f))) {
      throw new SetupGpuError(`FRESHCACHE_LIBTENSORFLOW_DIR=${dir}: ${path.join(lib, f)} is missing; expected a libtensorflow C build with lib/${f} (a link to its .so.2 will do) and include/tensorflow/c/c_api.h`);
    }
  }
  if (!fs.existsSync(path.join(include, 'tensorflow', 'c', 'c_api.h'))) {
    throw new SetupGpuError(`FRESHCACHE_LIBTENSORFLOW_DIR=${dir}: ${path.join(include, 'tensorflow', 'c', 'c_api.h')} is missing; expected the C headers under include/`);
  }
  return { lib, include };
}

/** The CUDA library folders of an unpacked site (site/nvidia/<lib>/lib), for LD_LIBRARY_PATH when a build needs it. */
export function cudaLibraryDirs(site: string): string[] {
  const nv = path.join(site, 'nvidia');
  if (!fs.existsSync(nv)) return [];
  return fs.readdirSync(nv).map((d) => path.join(nv, d, 'lib')).filter((d) => fs.existsSync(d)).sort();
}

/** Points the package's deps/lib and deps/include at the library view (folder links; see the file comment). */
export function linkDeps(pkgDir: string, view: { lib: string; include: string }): void {
  const deps = path.join(pkgDir, 'deps');
  fs.rmSync(deps, { recursive: true, force: true });
  fs.mkdirSync(deps, { recursive: true });
  fs.symlinkSync(path.resolve(view.lib), path.join(deps, 'lib'));
  fs.symlinkSync(path.resolve(view.include), path.join(deps, 'include'));
}

/** The GPU nvidia-smi reports, or why there is none (one line). */
export function findNvidiaGpu(run: (cmd: string, args: string[]) => SpawnSyncReturns<string> = (c, a) => spawnSync(c, a, { encoding: 'utf8', timeout: 30_000 })): { gpu?: string; why?: string } {
  const r = run('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader']);
  if (r.error || r.status !== 0) {
    return { why: `no NVIDIA GPU: nvidia-smi ${r.error ? 'was not found' : `failed (${(r.stderr || r.stdout || '').trim().split('\n')[0]})`}; the CUDA route needs an NVIDIA GPU and its driver (on other machines use --backend webgpu, or the CPU backends)` };
  }
  const first = r.stdout.trim().split('\n')[0];
  return first ? { gpu: first } : { why: 'no NVIDIA GPU: nvidia-smi lists none' };
}

/** Runs `freshcache backend --backend tensorflow-gpu --json` in a child; returns its record or why it failed. */
export function confirmGpu(env: NodeJS.ProcessEnv = process.env): { record?: { gpu: boolean; device: { name: string } }; why?: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'freshcache.js'), 'backend', '--backend', 'tensorflow-gpu', '--json'], { cwd: ROOT, env, encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) return { why: (r.stderr || '').trim().split('\n').filter((l) => l.startsWith('error:')).pop()?.replace(/^error:\s*/, '') ?? `exit ${r.status}` };
  const record = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return record.gpu ? { record } : { why: `TensorFlow reports ${record.device?.name ?? 'no GPU'}, not a GPU` };
}

function pipDownload(python: string, requirements: string[], dest: string): void {
  try {
    build.run(python, pipDownloadArgs(requirements, dest));
  } catch {
    throw new SetupGpuError(`pip could not download ${requirements.join(' ')} (its messages are above); with no index reachable, set FRESHCACHE_LIBTENSORFLOW_DIR to a libtensorflow CUDA build instead`);
  }
}

function libtensorflowFromWheels(python: string, cache: string): { view: { lib: string; include: string }; site: string } {
  const site = path.join(cache, 'site');
  const done = path.join(cache, `unpacked-${TF_VERSION}`);
  if (fs.existsSync(done)) return { view: wheelLibraryView(site), site };
  const wheels = path.join(cache, 'wheels');
  fs.mkdirSync(wheels, { recursive: true });
  const find = (prefix: string) => fs.readdirSync(wheels).filter((f) => f.startsWith(prefix) && f.endsWith('.whl'));
  if (find(`tensorflow-${TF_VERSION}-`).length === 0) {
    log(`downloading tensorflow==${TF_VERSION} (the Linux wheel with GPU kernels, about 600 MB) with pip`);
    pipDownload(python, [`tensorflow==${TF_VERSION}`], wheels);
  }
  const tfWheel = find(`tensorflow-${TF_VERSION}-`)[0];
  if (!tfWheel) throw new SetupGpuError(`pip left no tensorflow-${TF_VERSION} wheel in ${wheels}`);
  const cuda = andCudaRequirements(wheelMetadata(python, path.join(wheels, tfWheel)));
  if (cuda.length === 0) throw new SetupGpuError(`${tfWheel}: its METADATA names no and-cuda extra; expected the CUDA wheels it needs`);
  log(`downloading the CUDA libraries its and-cuda extra names (${cuda.length} wheels, a few GB): ${cuda.join(' ')}`);
  pipDownload(python, cuda, wheels);
  const all = fs.readdirSync(wheels).filter((f) => f.endsWith('.whl')).map((f) => path.join(wheels, f));
  log(`unpacking ${all.length} wheels into ${site}`);
  fs.rmSync(site, { recursive: true, force: true });
  unpackWheels(python, all, site);
  const view = wheelLibraryView(site);
  fs.rmSync(wheels, { recursive: true, force: true }); // the unpacked files are all that is used
  fs.writeFileSync(done, `${new Date().toISOString()}\n`);
  return { view, site };
}

export function main(): number {
  const pkgDir = path.join(ROOT, 'node_modules', GPU_PACKAGE);
  const custom = process.env.FRESHCACHE_LIBTENSORFLOW_DIR;
  try {
    if (!fs.existsSync(path.join(pkgDir, 'package.json'))) {
      throw new SetupGpuError(`${GPU_PACKAGE} is not installed (an optional dependency): run npm install --include=optional`);
    }
    const customView = custom ? customLibraryView(path.resolve(custom)) : undefined;
    const found = findNvidiaGpu();
    if (found.why) throw new SetupGpuError(found.why);
    log(`GPU: ${found.gpu}`);
    const cache = path.resolve(process.env.FRESHCACHE_TF_GPU_CACHE || path.join(ROOT, '.cache', 'tf-gpu'));
    const { view, site } = customView ? { view: customView, site: '' } : libtensorflowFromWheels(build.python(), cache);
    linkDeps(pkgDir, view);
    const t0 = Date.now();
    build.buildAddon(pkgDir);
    log(`addon built against ${view.lib} in ${((Date.now() - t0) / 1000).toFixed(1)} s; asking TensorFlow where it runs (the first run on a new GPU can spend minutes compiling kernels)`);
    const env = { ...process.env, CUDA_CACHE_MAXSIZE: process.env.CUDA_CACHE_MAXSIZE ?? String(4 * 2 ** 30) };
    const first = confirmGpu(env);
    if (first.record) {
      log(`confirmed: ${first.record.device.name}; the tensorflow-gpu backend is ready (npx freshcache backend)`);
      return 0;
    }
    // a diagnosis, not a fix: would the CUDA libraries be found with the library path set?
    const dirs = site ? cudaLibraryDirs(site) : [];
    const hint = dirs.length && confirmGpu({ ...env, LD_LIBRARY_PATH: [...dirs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') }).record
      ? `; it does with LD_LIBRARY_PATH=${dirs.join(':')} (export it before running freshcache)`
      : '';
    throw new SetupGpuError(`the addon is built but TensorFlow does not use the GPU: ${first.why}${hint}`);
  } catch (e) {
    if (!(e instanceof SetupGpuError)) throw e;
    console.error(`setup:gpu: ${e.message}`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main();
