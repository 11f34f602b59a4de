import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import type { AddressInfo } from 'net';
import { ChecksumError, download, downloadSource, partPathOf, verifyFile, DataSource } from '../../src/data/download';
import { AbortedError, InputError } from '../../src/util/errors';

// Everything here talks to a server on 127.0.0.1 started by this file; no external host is contacted.

const BODY = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
const MD5 = createHash('md5').update(BODY).digest('hex');
const SHA = createHash('sha256').update(BODY).digest('hex');

let root: string;
let server: http.Server;
let base: string;
/** Range headers the server saw, per path. */
const ranges: Record<string, (string | undefined)[]> = {};
let dropCount = 0;
let flakyCount = 0;
let zipBytes: Buffer;

/** Serves BODY with Range support from `from`. */
function serveRange(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, honourRange = true): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m && honourRange) {
    const start = Number(m[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` });
      res.end();
      return;
    }
    res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    res.end(body.subarray(start));
    return;
  }
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
}

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshcache-download-'));
  const zdir = fs.mkdtempSync(path.join(root, 'zip-'));
  execFileSync('python3', ['-c', `import zipfile,sys\nwith zipfile.ZipFile(sys.argv[1] + '/ds.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n    z.writestr('ds/corpus.jsonl', '{"_id":"d1","text":"x"}\\n')`, zdir]);
  zipBytes = fs.readFileSync(path.join(zdir, 'ds.zip'));
  server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    (ranges[url] ??= []).push(req.headers.range);
    if (url === '/file.bin') return serveRange(req, res, BODY);
    if (url === '/norange.bin') return serveRange(req, res, BODY, false);
    if (url === '/redirect') {
      res.writeHead(302, { location: '/hop2' });
      return res.end();
    }
    if (url === '/hop2') {
      res.writeHead(301, { location: `${base}/file.bin` });
      return res.end();
    }
    if (url === '/loop') {
      res.writeHead(302, { location: '/loop' });
      return res.end();
    }
    if (url === '/drop.bin') {
      // the first two requests die after 50,000 bytes of the body; later ones are served whole
      dropCount++;
      if (dropCount <= 2) {
        const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        const start = m ? Number(m[1]) : 0;
        res.writeHead(m ? 206 : 200, m ? { 'content-length': BODY.length - start, 'content-range': `bytes ${start}-${BODY.length - 1}/${BODY.length}` } : { 'content-length': BODY.length });
        res.write(BODY.subarray(start, start + 50_000), () => setTimeout(() => res.socket?.destroy(), 10));
        return;
      }
      return serveRange(req, res, BODY);
    }
    if (url === '/flaky.bin') {
      flakyCount++;
      if (flakyCount === 1) {
        res.writeHead(503);
        return res.end();
      }
      return serveRange(req, res, BODY);
    }
    if (url === '/slow.bin') {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 1000));
      return; // never finishes
    }
    if (url === '/ds.zip') return serveRange(req, res, zipBytes);
    res.writeHead(404);
    res.end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  fs.rmSync(root, { recursive: true, force: true });
});

const fast = { retryDelayMs: 5, timeoutMs: 5000 };

function destIn(name: string): string {
  return path.join(fs.mkdtempSync(path.join(root, 'd-')), 'sub', name);
}

describe('download', () => {
  test('straight download with MD5 and sha256 verified, atomic finish', async () => {
    const dest = destIn('file.bin');
    const events: number[] = [];
    const r = await download({ url: `${base}/file.bin`, dest, md5: MD5, sha256: SHA, size: BODY.length, progress: (e) => events.push(e.done), ...fast });
    assert.deepEqual(fs.readFileSync(dest), BODY);
    assert.equal(r.md5, MD5);
    assert.equal(r.sha256, SHA);
    assert.equal(r.bytes, BODY.length);
    assert.equal(r.alreadyPresent, false);
    assert.equal(r.resumed, 0);
    assert.equal(fs.existsSync(partPathOf(dest)), false);
    assert.equal(events[events.length - 1], BODY.length);
  });

  test('a present, verified file is not fetched again', async () => {
    const dest = destIn('file.bin');
    await download({ url: `${base}/file.bin`, dest, md5: MD5, ...fast });
    const before = ranges['/file.bin'].length;
    const r = await download({ url: `${base}/file.bin`, dest, md5: MD5, ...fast });
    assert.equal(r.alreadyPresent, true);
    assert.equal(ranges['/file.bin'].length, before);
  });

  test('a present file with the wrong checksum is reported and left alone', async () => {
    const dest = destIn('file.bin');
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, 'not it');
    await assert.rejects(download({ url: `${base}/file.bin`, dest, md5: MD5, ...fast }), ChecksumError);
    assert.equal(fs.readFileSync(dest, 'utf8'), 'not it');
  });

  test('follows redirects (relative and absolute Location)', async () => {
    const dest = destIn('r.bin');
    const r = await download({ url: `${base}/redirect`, dest, sha256: SHA, ...fast });
    assert.deepEqual(fs.readFileSync(dest), BODY);
    assert.equal(r.finalUrl, `${base}/file.bin`);
  });

  test('a redirect loop is an error', async () => {
    const dest = destIn('loop.bin');
    await assert.rejects(download({ url: `${base}/loop`, dest, maxRedirects: 3, ...fast }), /more than 3 redirects/);
    assert.equal(fs.existsSync(dest), false);
  });

  test('resumes with Range after the connection drops mid-body', async () => {
    const dest = destIn('drop.bin');
    const r = await download({ url: `${base}/drop.bin`, dest, md5: MD5, size: BODY.length, ...fast });
    assert.deepEqual(fs.readFileSync(dest), BODY);
    assert.equal(r.md5, MD5);
    assert.equal(r.resumed, 2);
    const seen = ranges['/drop.bin'];
    assert.equal(seen[0], undefined);
    assert.match(seen[1] ?? '', /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(seen[1]!)![0]) >= 50_000, 'resumed at or after the bytes already received');
  });

  test('resumes a .part left by an earlier run', async () => {
    const dest = destIn('file.bin');
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(partPathOf(dest), BODY.subarray(0, 12_345));
    const before = ranges['/file.bin'].length;
    const r = await download({ url: `${base}/file.bin`, dest, md5: MD5, ...fast });
    assert.deepEqual(fs.readFileSync(dest), BODY);
    assert.equal(r.resumed, 1);
    assert.equal(ranges['/file.bin'][before], 'bytes=12345-');
  });

  test('a complete .part (server answers 416) is verified and finished', async () => {
    const dest = destIn('file.bin');
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(partPathOf(dest), BODY);
    const r = await download({ url: `${base}/file.bin`, dest, md5: MD5, ...fast });
    assert.deepEqual(fs.readFileSync(dest), BODY);
    assert.equal(r.bytes, BODY.length);
  });

  test('a server that ignores Range restarts from zero (no duplicated bytes)', async () => {
    const dest = destIn('n.bin');
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(partPathOf(dest), BODY.subarray(0, 999));
    const r = await download({ url: `${base}/norange.bin`, dest, sha256: SHA, ...fast });
    assert.deepEqual(fs.readFileSync(dest), BODY);
    assert.equal(r.bytes, BODY.length);
  });

  test('a stale .part with different bytes: checksum mismatch, nothing passes for finished', async () => {
    const dest = destIn('file.bin');
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(partPathOf(dest), Buffer.alloc(5000, 0x55)); // not the file's first 5000 bytes
    await assert.rejects(download({ url: `${base}/file.bin`, dest, md5: MD5, ...fast }), (e: unknown) => e instanceof ChecksumError && /MD5 [0-9a-f]{32}, expected/.test((e as Error).message));
    assert.equal(fs.existsSync(dest), false, 'no final file');
    assert.equal(fs.existsSync(partPathOf(dest)), false, 'the bad part is deleted so the next run starts clean');
    const r = await download({ url: `${base}/file.bin`, dest, md5: MD5, ...fast });
    assert.equal(r.md5, MD5);
  });

  test('wrong expected checksum or size: ChecksumError, no file', async () => {
    const dest = destIn('file.bin');
    await assert.rejects(download({ url: `${base}/file.bin`, dest, md5: '0'.repeat(32), ...fast }), ChecksumError);
    assert.equal(fs.existsSync(dest), false);
    assert.equal(fs.existsSync(partPathOf(dest)), false);
    await assert.rejects(download({ url: `${base}/file.bin`, dest, size: BODY.length + 1, ...fast }), /size 200000 bytes, expected 200001/);
    await assert.rejects(download({ url: `${base}/file.bin`, dest, sha256: 'f'.repeat(64), ...fast }), /sha256/);
    assert.equal(fs.existsSync(dest), false);
  });

  test('retries a 503', async () => {
    const dest = destIn('f.bin');
    const r = await download({ url: `${base}/flaky.bin`, dest, md5: MD5, ...fast });
    assert.equal(r.md5, MD5);
    assert.equal(flakyCount, 2);
  });

  test('HTTP 404 is a clear InputError, no retries, no file', async () => {
    const dest = destIn('missing.bin');
    const before = (ranges['/missing.bin'] ?? []).length;
    await assert.rejects(download({ url: `${base}/missing.bin`, dest, ...fast }), (e: unknown) => e instanceof InputError && /HTTP 404/.test((e as Error).message) && (e as Error).message.includes('/missing.bin'));
    assert.equal(ranges['/missing.bin'].length - before, 1);
    assert.equal(fs.existsSync(dest), false);
  });

  test('gives up after the retries with the part kept for a later resume', async () => {
    const dest = destIn('slow.bin');
    await assert.rejects(download({ url: `${base}/slow.bin`, dest, retries: 1, retryDelayMs: 5, timeoutMs: 150 }), /failed after 2 attempts.*run again to resume/);
    assert.equal(fs.existsSync(dest), false);
    assert.equal(fs.existsSync(partPathOf(dest)), true);
  });

  test('abort stops the transfer, keeps the part', async () => {
    const dest = destIn('slow.bin');
    const ac = new AbortController();
    const p = download({ url: `${base}/slow.bin`, dest, signal: ac.signal, timeoutMs: 10_000 });
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(p, AbortedError);
    assert.equal(fs.existsSync(dest), false);
  });

  test('bad arguments', async () => {
    await assert.rejects(download({ url: 'ftp://x/y', dest: destIn('x') }), /not http/);
    await assert.rejects(download({ url: `${base}/file.bin`, dest: destIn('x'), md5: 'abc' }), /32 hex digits/);
  });

  test('verifyFile', async () => {
    const f = destIn('v.bin');
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, BODY);
    assert.equal((await verifyFile(f, { md5: MD5.toUpperCase(), sha256: SHA })).bytes, BODY.length);
    await assert.rejects(verifyFile(f, { md5: SHA.slice(0, 32) }), ChecksumError);
  });
});

describe('downloadSource', () => {
  test('downloads every file, falls back to a mirror, extracts archives once', async () => {
    const zipMd5 = createHash('md5').update(zipBytes).digest('hex');
    const src: DataSource = {
      name: 'tiny',
      title: 'test source',
      format: 'beir',
      licence: 'test',
      homepage: base,
      files: [
        { url: `${base}/gone.zip`, mirrors: [`${base}/ds.zip`], file: 'ds.zip', md5: zipMd5, extract: true },
        { url: `${base}/file.bin`, file: 'file.bin', sha256: SHA },
      ],
    };
    const dir = fs.mkdtempSync(path.join(root, 'src-'));
    const r = await downloadSource(src, { dir, ...fast });
    assert.deepEqual(r.files.map((f) => f.file), ['ds.zip', 'file.bin']);
    assert.deepEqual(r.extracted, [path.join(dir, 'tiny', 'ds')]);
    assert.equal(fs.readFileSync(path.join(dir, 'tiny', 'ds', 'ds', 'corpus.jsonl'), 'utf8'), '{"_id":"d1","text":"x"}\n');
    const again = await downloadSource(src, { dir, ...fast });
    assert.ok(again.files.every((f) => f.alreadyPresent));
    assert.deepEqual(again.extracted, []);
  });

  test('a checksum mismatch is not retried on a mirror', async () => {
    const src: DataSource = { name: 'bad', title: 't', format: 'beir', licence: 't', homepage: base, files: [{ url: `${base}/file.bin`, mirrors: [`${base}/file.bin`], file: 'f.bin', md5: '1'.repeat(32) }] };
    const dir = fs.mkdtempSync(path.join(root, 'src-'));
    await assert.rejects(downloadSource(src, { dir, ...fast }), ChecksumError);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'bad')), []);
  });
});
