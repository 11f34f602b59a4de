/**
 * Renders a figure to an image *synchronously*, for `showFigure` in a notebook: tslab neither awaits
 * a cell's last promise nor keeps output that arrives after its cell finished, so a display call
 * must have its image when it returns. A worker thread owns one FigureRenderer (export.ts: headless
 * Chromium with plotly loaded), launched on the first figure and closed after IDLE_MS without one;
 * the calling thread posts the spec and blocks on Atomics.wait until the worker has posted the
 * image (the pattern of the `synckit` package). The worker is unref'd: it never keeps a process
 * alive, and Chromium exits with the process that launched it. Chromium's profile and playwright's
 * temp files go to a folder of their own under os.tmpdir() (in a notebook kernel: the checkout's
 * notebook environment), removed when the process exits, or by the next process when it was killed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'worker_threads';
import type { FigureSpec } from './figure';
import type { FigureRenderer, RenderOptions } from './export';

/** What the calling thread sends: `flag` is set to 1 once the answer is on the port. */
interface RenderRequest {
  id: number;
  flag: Int32Array;
  spec: FigureSpec;
  opts: RenderOptions;
}

interface RenderAnswer {
  id: number;
  bytes?: Uint8Array;
  error?: string;
}

/** Chromium stays up this long after the last figure, then closes (relaunching takes a second or two). */
const IDLE_MS = 120_000;

let bridge: { worker: Worker; port: MessagePort; nextId: number; scratch: string } | undefined;

const SCRATCH_PREFIX = 'freshcache-figures-';

/** Removes scratch folders of earlier processes that did not exit cleanly (the pid in the name is gone). */
function removeOrphanScratch(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const pid = Number(/^freshcache-figures-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    }
  }
}

function startBridge(): NonNullable<typeof bridge> {
  removeOrphanScratch();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`));
  process.once('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));
  const { port1, port2 } = new MessageChannel();
  const tsx = require.resolve('tsx/cjs', { paths: [__dirname] });
  // The worker registers tsx itself, so it can load this TypeScript file whatever the parent was started with.
  const code = `const { workerData } = require('worker_threads');
try { process.env.TMPDIR = workerData.scratch; require(workerData.tsx); require(workerData.module).serveRenderRequests(workerData.port); }
catch (e) { const msg = 'figure renderer did not start: ' + (e && e.message ? e.message : e);
  workerData.port.on('message', (r) => { workerData.port.postMessage({ id: r.id, error: msg }); Atomics.store(r.flag, 0, 1); Atomics.notify(r.flag, 0); }); }`;
  const worker = new Worker(code, { eval: true, workerData: { tsx, module: path.join(__dirname, 'render-sync.ts'), port: port2, scratch }, transferList: [port2], stdout: false, stderr: false });
  worker.unref();
  port1.unref();
  return { worker, port: port1, nextId: 1, scratch };
}

/**
 * The image bytes of `spec` (PNG or SVG per `opts.format`), rendered by the worker's Chromium;
 * blocks the calling thread until they arrive or `timeoutMs` passes (default 120 s: the first call
 * launches Chromium). Throws with the reason (no Chromium, a timeout, a plotly error).
 */
export function renderFigureSync(spec: FigureSpec, opts: RenderOptions, timeoutMs = 120_000): Buffer {
  bridge ??= startBridge();
  const id = bridge.nextId++;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  bridge.port.postMessage({ id, flag, spec, opts } satisfies RenderRequest);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no figure image after ${Math.round(timeoutMs / 1000)} s (headless Chromium did not answer)`);
    Atomics.wait(flag, 0, 0, left);
    // Drain: answers to earlier requests that timed out may come first.
    for (let m = receiveMessageOnPort(bridge.port); m; m = receiveMessageOnPort(bridge.port)) {
      const answer = m.message as RenderAnswer;
      if (answer.id !== id) continue;
      if (answer.error !== undefined) throw new Error(answer.error);
      return Buffer.from(answer.bytes!);
    }
  }
}

/** Ends the worker and its Chromium (tests; a process that exits needs no call). */
export async function closeFigureRendererSync(): Promise<void> {
  const b = bridge;
  bridge = undefined;
  if (!b) return;
  await b.worker.terminate();
  fs.rmSync(b.scratch, { recursive: true, force: true });
}

/** The worker's side: answers RenderRequests from `port` one at a time with one shared renderer. */
export function serveRenderRequests(port: MessagePort): void {
  // Loaded here: the calling thread never loads export.ts (and playwright) through this module.
  const { FigureRenderer: Renderer } = require('./export') as typeof import('./export');
  let renderer: Promise<FigureRenderer> | undefined;
  let idle: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();
  const answer = (r: RenderRequest, a: Omit<RenderAnswer, 'id'>) => {
    port.postMessage({ id: r.id, ...a } satisfies RenderAnswer);
    Atomics.store(r.flag, 0, 1);
    Atomics.notify(r.flag, 0);
  };
  port.on('message', (r: RenderRequest) => {
    queue = queue.then(async () => {
      if (idle) clearTimeout(idle);
      try {
        if (!renderer) renderer = Renderer.launch();
        const launched = await renderer.catch((e: unknown) => {
          renderer = undefined; // a failed launch is retried on the next figure
          throw e;
        });
        answer(r, { bytes: await launched.render(r.spec, r.opts) });
      } catch (e) {
        answer(r, { error: e instanceof Error ? e.message : String(e) });
      }
      idle = setTimeout(() => {
        const open = renderer;
        renderer = undefined;
        if (open) void open.then((x) => x.close()).catch(() => {});
      }, IDLE_MS);
      idle.unref();
    });
  });
}
