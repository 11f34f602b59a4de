/**
 * Renders a figure to an image *synchronously*, for `showFigure` in a notebook: tslab neither awaits
 * a cell's last promise nor keeps output that arrives after its cell finished, so a display call
 * must have its image when it returns. A worker thread owns one FigureRenderer (export.ts: headless
 * Chromium with plotly loaded), launched on the first figure and closed after IDLE_MS without one;
 * the calling thread posts the spec and blocks on Atomics.wait until the worker has posted the
 * image (the pattern of the `synckit` package). The worker is unref'd: it never keeps a process
 * alive, and Chromium exits with the process that launched it. Chromium's profile and playwright's
 * temp files go to a folder of their own (scratchBase), removed when the process exits, or by the
 * next process when it was killed.
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
  spec?: FigureSpec;
  opts?: RenderOptions;
  /** Close Chromium instead (it relaunches on the next figure). */
  close?: true;
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

/** Longest folder under which Chromium's `<scratch>/org.chromium.Chromium.XXXXXX/SingletonSocket` fits a Unix socket path (107 bytes). */
const MAX_SCRATCH_BASE = 107 - `/${SCRATCH_PREFIX}4194304-XXXXXX/org.chromium.Chromium.XXXXXX/SingletonSocket`.length;

/**
 * Where the scratch folder goes: `tmp` (os.tmpdir(); in a notebook kernel the checkout's notebook
 * environment), unless its path is too long for the Unix socket Chromium makes there (Chromium then
 * aborts with "Socket path too long"), in which case /tmp.
 */
export function scratchBase(tmp = os.tmpdir()): string {
  return Buffer.byteLength(tmp) <= MAX_SCRATCH_BASE || !fs.existsSync('/tmp') ? tmp : '/tmp';
}

/** Removes scratch folders of earlier processes that did not exit cleanly (the pid in the name is gone). */
function removeOrphanScratch(base: string): void {
  for (const name of fs.readdirSync(base)) {
    const pid = Number(/^freshcache-figures-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(path.join(base, name), { recursive: true, force: true });
    }
  }
}

function startBridge(): NonNullable<typeof bridge> {
  const base = scratchBase();
  removeOrphanScratch(base);
  const scratch = fs.mkdtempSync(path.join(base, `${SCRATCH_PREFIX}${process.pid}-`));
  process.once('exit', () => {
    try {
      fs.rmSync(scratch, { recursive: true, force: true });
    } catch {
      /* Chromium, still exiting, wrote into it: the next process's removeOrphanScratch removes it */
    }
  });
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

/** Posts a request to the worker and blocks until its answer arrives or `timeoutMs` passes. */
function ask(body: Pick<RenderRequest, 'spec' | 'opts' | 'close'>, timeoutMs: number): RenderAnswer {
  bridge ??= startBridge();
  const id = bridge.nextId++;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  bridge.port.postMessage({ id, flag, ...body } satisfies RenderRequest);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no answer from the figure renderer after ${Math.round(timeoutMs / 1000)} s (headless Chromium did not answer)`);
    Atomics.wait(flag, 0, 0, left);
    // Drain: answers to earlier requests that timed out may come first.
    for (let m = receiveMessageOnPort(bridge.port); m; m = receiveMessageOnPort(bridge.port)) {
      const answer = m.message as RenderAnswer;
      if (answer.id === id) return answer;
    }
  }
}

/**
 * The image bytes of `spec` (PNG or SVG per `opts.format`), rendered by the worker's Chromium;
 * blocks the calling thread until they arrive or `timeoutMs` passes (default 120 s: the first call
 * launches Chromium). Throws with the reason (no Chromium, a timeout, a plotly error).
 */
export function renderFigureSync(spec: FigureSpec, opts: RenderOptions, timeoutMs = 120_000): Buffer {
  const answer = ask({ spec, opts }, timeoutMs);
  if (answer.error !== undefined) throw new Error(answer.error);
  return Buffer.from(answer.bytes!);
}

/** Closes Chromium, ends the worker and removes the scratch folder (tests; a process that exits needs no call). */
export async function closeFigureRendererSync(): Promise<void> {
  const b = bridge;
  if (!b) return;
  try {
    ask({ close: true }, 15_000); // Chromium removes its own files when closed, not when killed
  } catch {
    /* ended below anyway */
  }
  bridge = undefined;
  await b.worker.terminate();
  fs.rmSync(b.scratch, { recursive: true, force: true, maxRetries: 3 });
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
  const closeRenderer = async () => {
    const open = renderer;
    renderer = undefined;
    if (open) await open.then((x) => x.close()).catch(() => {});
  };
  port.on('message', (r: RenderRequest) => {
    queue = queue.then(async () => {
      if (idle) clearTimeout(idle);
      if (r.close) {
        await closeRenderer();
        answer(r, {});
        return;
      }
      try {
        if (!renderer) renderer = Renderer.launch();
        const launched = await renderer.catch((e: unknown) => {
          renderer = undefined; // a failed launch is retried on the next figure
          throw e;
        });
        answer(r, { bytes: await launched.render(r.spec!, r.opts!) });
      } catch (e) {
        answer(r, { error: e instanceof Error ? e.message : String(e) });
      }
      idle = setTimeout(() => void closeRenderer(), IDLE_MS);
      idle.unref();
    });
  });
}
