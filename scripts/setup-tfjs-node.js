#!/usr/bin/env node
// postinstall: build @tensorflow/tfjs-node (and -gpu when installed) against a libtensorflow we can
// obtain offline. The package's own install script downloads libtensorflow 2.9.1 from Google storage,
// which these machines cannot reach, so package.json stops it (allowScripts: false) and we do this:
//   1. take libtensorflow from FRESHCACHE_LIBTENSORFLOW_DIR if set (a folder with lib/ and include/,
//      e.g. a CUDA build of libtensorflow for GPU machines), else from the tensorflow-cpu wheel that
//      pip can download (a local mirror here, PyPI elsewhere), extracted once under .cache/tf;
//   2. point the package's deps/ at it with the file names the binding expects;
//   3. compile the addon with node-pre-gyp --build-from-source.
// Idempotent: a package whose addon already loads is left alone. Never fails the whole install:
// without the addon, src/tensor falls back to the wasm backend and says why.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const TF_VERSION = '2.21.0';
const root = path.resolve(__dirname, '..');
const cacheDir = path.resolve(process.env.FRESHCACHE_TF_CACHE || path.join(root, '.cache', 'tf'));
const log = (msg) => console.log(`[setup-tfjs-node] ${msg}`);

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
}

function addonLoads(pkgDir) {
  try {
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(pkgDir)})`], { stdio: 'ignore', timeout: 120000 });
    return true;
  } catch {
    return false;
  }
}

function python() {
  for (const p of [process.env.PYTHON, 'python3', 'python']) {
    if (!p) continue;
    try {
      execFileSync(p, ['-m', 'pip', '--version'], { stdio: 'ignore' });
      return p;
    } catch { /* try next */ }
  }
  throw new Error('no python with pip found (set PYTHON=/path/to/python3)');
}

/** Returns {lib, include}: folders holding libtensorflow_cc.so.2 etc. and the C headers. */
function libtensorflowFromWheel() {
  const lib = path.join(cacheDir, 'lib');
  const include = path.join(cacheDir, 'include');
  const done = path.join(cacheDir, `extracted-${TF_VERSION}`);
  if (fs.existsSync(done)) return { lib, include };
  fs.mkdirSync(cacheDir, { recursive: true });
  const wheelDir = path.join(cacheDir, 'wheel');
  let wheel = fs.existsSync(wheelDir) && fs.readdirSync(wheelDir).find((f) => f.startsWith(`tensorflow_cpu-${TF_VERSION}`) && f.endsWith('.whl'));
  if (!wheel) {
    log(`downloading tensorflow-cpu==${TF_VERSION} wheel with pip (about 270 MB)`);
    run(python(), ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--retries', '0',
      '--disable-pip-version-check', '-d', wheelDir, `tensorflow-cpu==${TF_VERSION}`]);
    wheel = fs.readdirSync(wheelDir).find((f) => f.startsWith(`tensorflow_cpu-${TF_VERSION}`) && f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip did not leave a tensorflow_cpu-${TF_VERSION} wheel in ${wheelDir}`);
  }
  log(`extracting libtensorflow from ${wheel}`);
  const tmp = path.join(cacheDir, 'extract.tmp');
  fs.rmSync(tmp, { recursive: true, force: true });
  const py = `
import sys, zipfile, os, shutil
whl, out = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(whl)
os.makedirs(os.path.join(out, 'lib'), exist_ok=True)
for n in z.namelist():
    base = os.path.basename(n)
    if n.startswith('tensorflow/') and base in ('libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'):
        with z.open(n) as src, open(os.path.join(out, 'lib', base), 'wb') as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    for pre in ('tensorflow/include/tensorflow/', 'tensorflow/include/tsl/', 'tensorflow/include/xla/'):
        if n.startswith(pre) and not n.endswith('/'):
            z.extract(n, os.path.join(out, 'x'))
`;
  run(python(), ['-c', py, path.join(wheelDir, wheel), tmp]);
  fs.rmSync(lib, { recursive: true, force: true });
  fs.rmSync(include, { recursive: true, force: true });
  fs.renameSync(path.join(tmp, 'lib'), lib);
  fs.renameSync(path.join(tmp, 'x', 'tensorflow', 'include'), include);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(wheelDir, { recursive: true, force: true }); // the extracted files are all we need
  fs.writeFileSync(done, `${new Date().toISOString()}\n`);
  return { lib, include };
}

function linkDeps(pkgDir, src) {
  const deps = path.join(pkgDir, 'deps');
  fs.rmSync(deps, { recursive: true, force: true });
  fs.mkdirSync(path.join(deps, 'lib'), { recursive: true });
  fs.symlinkSync(src.include, path.join(deps, 'include'));
  const libs = fs.readdirSync(src.lib);
  const cc = libs.find((f) => /^libtensorflow(_cc)?\.so\.2$/.test(f) && f.includes('_cc')) || libs.find((f) => f === 'libtensorflow.so.2');
  const fw = libs.find((f) => f === 'libtensorflow_framework.so.2');
  if (!cc || !fw) throw new Error(`${src.lib} lacks libtensorflow_cc.so.2 / libtensorflow_framework.so.2`);
  const links = {
    [cc]: cc,
    [fw]: fw,
    'libtensorflow.so': cc,
    'libtensorflow.so.2': cc,
    'libtensorflow.so.2.9.1': cc,
    'libtensorflow_framework.so': fw,
  };
  for (const [name, target] of Object.entries(links)) {
    const at = path.join(deps, 'lib', name);
    if (!fs.existsSync(at)) fs.symlinkSync(path.join(src.lib, target), at);
  }
}

function buildAddon(pkgDir) {
  const preGyp = require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp', { paths: [pkgDir] });
  run(process.execPath, [preGyp, 'install', '--build-from-source', '--nodedir=/usr'], { cwd: pkgDir });
}

function main() {
  const pkgs = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']
    .map((name) => ({ name, dir: path.join(root, 'node_modules', name) }))
    .filter((p) => fs.existsSync(path.join(p.dir, 'package.json')));
  for (const p of pkgs) {
    if (addonLoads(p.dir)) {
      log(`${p.name}: addon already loads`);
      continue;
    }
    try {
      const t0 = Date.now();
      const custom = process.env.FRESHCACHE_LIBTENSORFLOW_DIR;
      const src = custom
        ? { lib: path.resolve(custom, 'lib'), include: path.resolve(custom, 'include') }
        : libtensorflowFromWheel();
      linkDeps(p.dir, src);
      buildAddon(p.dir);
      if (!addonLoads(p.dir)) throw new Error('addon built but does not load');
      log(`${p.name}: native addon built against ${custom ? custom : `tensorflow-cpu ${TF_VERSION}`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      log(`${p.name}: could not build the native addon (${e.message.split('\n')[0]}); freshcache will fall back to the wasm backend`);
      if (process.env.FRESHCACHE_REQUIRE_NATIVE === '1') process.exit(1);
    }
  }
}

if (require.main === module) main();

// shared with scripts/setup-gpu.ts (the CUDA build of @tensorflow/tfjs-node-gpu)
module.exports = { TF_VERSION, python, run, addonLoads, buildAddon };
