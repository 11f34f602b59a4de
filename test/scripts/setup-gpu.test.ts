/**
 * The steps of `npm run setup:gpu` that a machine without a GPU can check: the pip command, the
 * and-cuda requirements read from the wheel's METADATA, the unpacked layout, the library folder the
 * addon links against (and that TensorFlow's `$ORIGIN/../nvidia/<lib>/lib` RUNPATH still resolves
 * through it, with real ELF files), a FRESHCACHE_LIBTENSORFLOW_DIR check, and the one-line failure
 * without a GPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  andCudaRequirements, cudaLibraryDirs, customLibraryView, findNvidiaGpu, linkDeps, pipDownloadArgs, SetupGpuError,
  unpackWheels, wheelLibraryView, wheelMetadata,
} from '../../scripts/setup-gpu';

const ROOT = path.join(__dirname, '..', '..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fc-setup-gpu-'));
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** A wheel (zip) holding `files` (path → content), written with Python's zipfile like pip's wheels. */
function fakeWheel(file: string, files: Record<string, string>): void {
  const py = 'import json, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n    for n, c in json.loads(sys.argv[2]).items(): z.writestr(n, c)';
  const r = spawnSync('python3', ['-c', py, file, JSON.stringify(files)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

const METADATA = [
  'Metadata-Version: 2.1',
  'Name: tensorflow',
  'Version: 2.21.0',
  'Requires-Dist: numpy>=1.26.0',
  'Requires-Dist: nvidia-cublas-cu12<13.0,>=12.5.3.2; extra == "and-cuda"',
  'Requires-Dist: nvidia-cudnn-cu12 (<10.0,>=9.3.0.75) ; extra == \'and-cuda\'',
  'Requires-Dist: nvidia-cuda-runtime-cu12<13.0,>=12.5.82; extra == "and-cuda"',
  'Requires-Dist: tensorflow-io-gcs-filesystem>=0.23.1; python_version < "3.12"',
  'Requires-Dist: keras-nightly; extra == "dev"',
].join('\n');

test('pip downloads wheels without dependencies into the cache folder', () => {
  assert.deepEqual(pipDownloadArgs(['tensorflow==2.21.0'], '/c/wheels'),
    ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-d', '/c/wheels', 'tensorflow==2.21.0']);
});

test('the and-cuda extra is read from the METADATA, both spellings of a requirement', () => {
  assert.deepEqual(andCudaRequirements(METADATA), ['nvidia-cublas-cu12<13.0,>=12.5.3.2', 'nvidia-cudnn-cu12<10.0,>=9.3.0.75', 'nvidia-cuda-runtime-cu12<13.0,>=12.5.82']);
  assert.deepEqual(andCudaRequirements('Name: tensorflow-cpu\nRequires-Dist: numpy'), []);
});

test('wheels unpack in their own layout, keeping only the libraries and the C headers', () => {
  const dir = tmp();
  try {
    const tfWheel = path.join(dir, 'tensorflow-2.21.0-cp312-cp312-manylinux_2_27_x86_64.whl');
    fakeWheel(tfWheel, {
      'tensorflow/libtensorflow_cc.so.2': 'cc', 'tensorflow/libtensorflow_framework.so.2': 'fw',
      'tensorflow/include/tensorflow/c/c_api.h': 'h', 'tensorflow/include/tsl/platform/status.h': 'h',
      'tensorflow/python/ops/array_ops.py': 'py', 'tensorflow-2.21.0.dist-info/METADATA': METADATA,
    });
    const nvWheel = path.join(dir, 'nvidia_cublas_cu12-12.9.1.4-py3-none-manylinux_2_27_x86_64.whl');
    fakeWheel(nvWheel, { 'nvidia/cublas/lib/libcublas.so.12': 'b', 'nvidia/cublas/lib/libcublasLt.so.12': 'b', 'nvidia/cublas/include/cublas.h': 'h', 'nvidia/__init__.py': '' });
    assert.equal(wheelMetadata('python3', tfWheel).trim(), METADATA);
    const site = path.join(dir, 'site');
    unpackWheels('python3', [tfWheel, nvWheel], site);
    const files = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : [path.relative(site, path.join(d, e.name))])).sort();
    assert.deepEqual(files(site), [
      'nvidia/cublas/lib/libcublas.so.12', 'nvidia/cublas/lib/libcublasLt.so.12',
      'tensorflow/include/tensorflow/c/c_api.h', 'tensorflow/include/tsl/platform/status.h',
      'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2',
    ]);
    assert.deepEqual(cudaLibraryDirs(site), [path.join(site, 'nvidia', 'cublas', 'lib')]);
    const view = wheelLibraryView(site);
    assert.equal(view.lib, path.join(site, 'tensorflow'));
    assert.equal(fs.readlinkSync(path.join(view.lib, 'libtensorflow.so')), 'libtensorflow_cc.so.2');
    assert.equal(fs.readlinkSync(path.join(view.lib, 'libtensorflow_framework.so')), 'libtensorflow_framework.so.2');
    const pkg = path.join(dir, 'pkg');
    linkDeps(pkg, view);
    assert.equal(fs.readlinkSync(path.join(pkg, 'deps', 'lib')), view.lib, 'deps/lib is a link to the folder, not to each file');
    assert.equal(fs.readFileSync(path.join(pkg, 'deps', 'include', 'tensorflow', 'c', 'c_api.h'), 'utf8'), 'h');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('through deps/lib, $ORIGIN/../nvidia/<lib>/lib still finds the CUDA libraries (per-file links would not)', { skip: !has('gcc') && 'no gcc' }, () => {
  const dir = tmp();
  try {
    const site = path.join(dir, 'site');
    const cuda = path.join(site, 'nvidia', 'cublas', 'lib');
    const tfDir = path.join(site, 'tensorflow');
    fs.mkdirSync(cuda, { recursive: true });
    fs.mkdirSync(tfDir, { recursive: true });
    const c = (name: string, src: string) => fs.writeFileSync(path.join(dir, name), src);
    c('cublas.c', 'int cublas_answer(void) { return 42; }\n');
    c('tf.c', 'int cublas_answer(void); int tf_answer(void) { return cublas_answer(); }\n');
    c('fw.c', 'int fw(void) { return 0; }\n');
    c('addon.c', '#include <stdio.h>\nint tf_answer(void); int main(void) { printf("%d\\n", tf_answer()); return 0; }\n');
    const gcc = (args: string[]) => {
      const r = spawnSync('gcc', args, { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    gcc(['-shared', '-fPIC', '-Wl,-soname,libcublas.so.12', '-o', path.join(cuda, 'libcublas.so.12'), 'cublas.c']);
    // TensorFlow's own convention: its libraries find CUDA through $ORIGIN/../nvidia/<lib>/lib
    gcc(['-shared', '-fPIC', '-Wl,-soname,libtensorflow_cc.so.2', '-o', path.join(tfDir, 'libtensorflow_cc.so.2'), 'tf.c', path.join(cuda, 'libcublas.so.12'), '-Wl,-rpath,$ORIGIN/../nvidia/cublas/lib']);
    gcc(['-shared', '-fPIC', '-Wl,-soname,libtensorflow_framework.so.2', '-o', path.join(tfDir, 'libtensorflow_framework.so.2'), 'fw.c']);
    const view = wheelLibraryView(site);
    // the binding's link line: -ltensorflow -ltensorflow_framework, rpath $ORIGIN/../../deps/lib
    const build = (pkg: string) => {
      const out = path.join(pkg, 'lib', 'napi-v8');
      fs.mkdirSync(out, { recursive: true });
      gcc(['-o', path.join(out, 'addon'), 'addon.c', `-L${path.join(pkg, 'deps', 'lib')}`, '-ltensorflow', '-ltensorflow_framework', `-Wl,-rpath-link,${cuda}`, '-Wl,-rpath,$ORIGIN/../../deps/lib']);
      return spawnSync(path.join(out, 'addon'), { encoding: 'utf8', env: { PATH: process.env.PATH } });
    };
    const pkg = path.join(dir, 'pkg');
    linkDeps(pkg, view);
    const ok = build(pkg);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), '42');
    // what setup-tfjs-node.js does for the CPU build: a link per file. The CUDA library is then lost.
    const perFile = path.join(dir, 'per-file');
    fs.mkdirSync(path.join(perFile, 'deps', 'lib'), { recursive: true });
    for (const f of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2', 'libtensorflow.so', 'libtensorflow_framework.so']) {
      fs.symlinkSync(path.join(tfDir, f), path.join(perFile, 'deps', 'lib', f));
    }
    const lost = build(perFile);
    assert.notEqual(lost.status, 0);
    assert.match(lost.stderr, /libcublas\.so\.12: cannot open shared object file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('FRESHCACHE_LIBTENSORFLOW_DIR is checked for the linker names and the C headers, with one-line errors', () => {
  const dir = tmp();
  try {
    assert.throws(() => customLibraryView(dir), (e: Error) => e instanceof SetupGpuError && e.message.startsWith(`FRESHCACHE_LIBTENSORFLOW_DIR=${dir}: ${path.join(dir, 'lib', 'libtensorflow.so')} is missing`) && !e.message.includes('\n'));
    fs.mkdirSync(path.join(dir, 'lib'));
    for (const f of ['libtensorflow.so', 'libtensorflow_framework.so']) fs.writeFileSync(path.join(dir, 'lib', f), '');
    assert.throws(() => customLibraryView(dir), /include\/tensorflow\/c\/c_api\.h is missing/);
    fs.mkdirSync(path.join(dir, 'include', 'tensorflow', 'c'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'include', 'tensorflow', 'c', 'c_api.h'), '');
    assert.deepEqual(customLibraryView(dir), { lib: path.join(dir, 'lib'), include: path.join(dir, 'include') });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('nvidia-smi decides whether there is a GPU', () => {
  const fake = (status: number | null, stdout: string, error?: Error) => () => ({ status, stdout, stderr: '', error, pid: 0, output: [], signal: null });
  assert.deepEqual(findNvidiaGpu(fake(0, 'NVIDIA H200, 580.159.03\n')), { gpu: 'NVIDIA H200, 580.159.03' });
  assert.match(findNvidiaGpu(fake(null, '', new Error('ENOENT'))).why!, /^no NVIDIA GPU: nvidia-smi was not found/);
  assert.match(findNvidiaGpu(fake(9, 'NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.')).why!, /^no NVIDIA GPU: nvidia-smi failed \(NVIDIA-SMI has failed/);
});

test('npm run setup:gpu without a GPU fails at once with one line (exit 1)', { skip: has('nvidia-smi') && 'nvidia-smi is present' }, () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'setup-gpu.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^setup:gpu: no NVIDIA GPU: nvidia-smi was not found; the CUDA route needs an NVIDIA GPU and its driver .*\n$/);
  const bad = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'setup-gpu.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, FRESHCACHE_LIBTENSORFLOW_DIR: '/nonexistent/libtf' } });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^setup:gpu: FRESHCACHE_LIBTENSORFLOW_DIR=\/nonexistent\/libtf: \/nonexistent\/libtf\/lib\/libtensorflow\.so is missing[^\n]*\n$/);
});
