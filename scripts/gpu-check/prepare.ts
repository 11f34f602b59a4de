/**
 * Prepares .gpu-check/ (git-ignored) on a machine with the repository installed, for
 * scripts/gpu-check.sh to run on a GPU machine that has no Node.js, no npm packages and no network:
 *
 *   check.js        the TensorFlow.js side (check.ts, the src/ it uses, tfjs and its webgpu backend), one esbuild bundle
 *   node.xz         this machine's Node binary (x86-64 Linux; needs only glibc and libstdc++)
 *   dawn.node.xz    Dawn's Node addon from the `webgpu` package (the WebGPU implementation)
 *   torch_bert.py   the PyTorch side (PyTorch and transformers are on the GPU machine)
 *   debs/           libvulkan1 (the Vulkan loader Dawn opens; NVIDIA's driver brings the ICD), by apt-get download
 *   manifest.json   what is in it, sizes, versions, the commit
 *
 * The device tool carries the working tree plus named ignored paths, 64 MiB in all: the summary
 * prints both sizes.
 *
 *   node --import tsx scripts/gpu-check/prepare.ts [--no-debs]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { sha256File } from '../../src/util/hash';

const ROOT = path.resolve(__dirname, '..', '..');
export const PREPARED = path.join(ROOT, '.gpu-check');
const log = (s: string) => console.error(`[gpu-check prepare] ${s}`);
const MiB = 2 ** 20;

function sh(cmd: string, args: string[], opts: { cwd?: string; stdout?: number } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, encoding: 'utf8', maxBuffer: 256 * MiB, stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  return r.stdout ?? '';
}

/** xz-compresses `src` to `dst` unless `dst` was made from the same source (recorded beside it). */
function xz(src: string, dst: string): void {
  const stamp = `${dst}.source`;
  const id = `${src} ${fs.statSync(src).size} ${fs.statSync(src).mtimeMs}`;
  if (fs.existsSync(dst) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === id) return;
  log(`xz ${src} → ${path.relative(ROOT, dst)}`);
  const fd = fs.openSync(`${dst}.tmp`, 'w');
  try {
    const r = spawnSync('xz', ['-T0', '-6', '-c', src], { stdio: ['ignore', fd, 'pipe'] });
    if (r.status !== 0) throw new Error(`xz ${src}: ${r.stderr?.toString().trim() || r.error?.message}`);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(`${dst}.tmp`, dst);
  fs.writeFileSync(stamp, id);
}

async function bundle(out: string): Promise<void> {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const r = await esbuild.build({
    entryPoints: [path.join(__dirname, 'check.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    alias: { webgpu: path.join(__dirname, 'dawn.cjs') },
    // the native and wasm backends are never asked for by the check; their packages are not carried
    external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm', 'usearch', 'playwright-core'],
  });
  if (r.errors.length) throw new Error(`esbuild: ${r.errors[0].text}`);
}

function downloadDebs(dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const lists = '/tmp/freshcache-apt-amd64';
  fs.mkdirSync(path.join(lists, 'partial'), { recursive: true });
  const o = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', `-oDir::State::Lists=${lists}`];
  if (!fs.readdirSync(dir).some((f) => f.startsWith('libvulkan1_'))) {
    sh('apt-get', [...o, '-qq', 'update']);
    sh('apt-get', [...o, 'download', 'libvulkan1'], { cwd: dir });
  }
  return fs.readdirSync(dir).filter((f) => f.endsWith('.deb'));
}

/** Bytes of what the device tool sends besides carried paths: tracked and untracked-not-ignored files. */
export function workingTreeBytes(): number {
  const files = sh('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']).split('\0').filter(Boolean);
  return files.reduce((s, f) => {
    try {
      return s + fs.statSync(path.join(ROOT, f)).size;
    } catch {
      return s; // deleted in the working tree
    }
  }, 0);
}

export async function prepare(o: { debs?: boolean } = {}): Promise<Record<string, unknown>> {
  fs.mkdirSync(PREPARED, { recursive: true });
  await bundle(path.join(PREPARED, 'check.js'));
  xz(process.execPath, path.join(PREPARED, 'node.xz'));
  const dawn = path.join(path.dirname(require.resolve('webgpu/package.json')), 'dist', `${process.platform}-${process.arch}`, 'dawn.node');
  xz(dawn, path.join(PREPARED, 'dawn.node.xz'));
  fs.copyFileSync(path.join(__dirname, 'torch_bert.py'), path.join(PREPARED, 'torch_bert.py'));
  let debs: string[] | string = [];
  if (o.debs !== false) {
    try {
      debs = downloadDebs(path.join(PREPARED, 'debs'));
    } catch (e) {
      debs = `not downloaded (${e instanceof Error ? e.message : e}); the GPU machine must have libvulkan1`;
      log(debs);
    }
  }
  const files = ['check.js', 'node.xz', 'dawn.node.xz', 'torch_bert.py', ...(Array.isArray(debs) ? debs.map((d) => `debs/${d}`) : [])];
  const sizes = Object.fromEntries(files.map((f) => [f, fs.statSync(path.join(PREPARED, f)).size]));
  const carried = Object.values(sizes).reduce((a, b) => a + b, 0);
  const tree = workingTreeBytes();
  const manifest = {
    made: new Date().toISOString(),
    commit: sh('git', ['rev-parse', 'HEAD']).trim(),
    node: process.version,
    arch: `${process.platform}-${process.arch}`,
    webgpu: require('webgpu/package.json').version,
    tfjs: require('@tensorflow/tfjs/package.json').version,
    files: Object.fromEntries(files.map((f) => [f, { bytes: sizes[f], sha256: sha256File(path.join(PREPARED, f)) }])),
    debs,
    carriedMiB: +(carried / MiB).toFixed(1),
    workingTreeMiB: +(tree / MiB).toFixed(1),
    totalMiB: +((carried + tree) / MiB).toFixed(1),
    limitMiB: 64,
  };
  fs.writeFileSync(path.join(PREPARED, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  log(`.gpu-check: ${manifest.carriedMiB} MiB carried + ${manifest.workingTreeMiB} MiB working tree = ${manifest.totalMiB} MiB (the device tool's limit: 64 MiB)`);
  if (carried + tree > 64 * MiB) log('WARNING: over the 64 MiB the device tool sends; make the working tree smaller (saved notebook outputs are the usual bulk)');
  return manifest;
}

if (require.main === module) {
  prepare({ debs: !process.argv.includes('--no-debs') }).catch((e) => {
    console.error(`gpu-check prepare: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
}
