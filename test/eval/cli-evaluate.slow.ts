import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
let dir = '';
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-eval-cli-'));
  fs.writeFileSync(path.join(dir, 'x.trec'), 'q1 Q0 d1 1 3 r\nq1 Q0 d2 2 2 r\nq2 Q0 d4 1 5 r\n');
  fs.writeFileSync(path.join(dir, 'z.trec'), 'q1 Q0 d2 1 3 r\nq2 Q0 d4 1 5 r\n');
  fs.writeFileSync(path.join(dir, 'y.tsv'), 'query-id\tcorpus-id\tscore\nq1\td2\t1\nq2\td4\t1\n');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'bin', 'freshcache.js'), 'evaluate', ...args], { encoding: 'utf8', cwd: dir });
}

test('freshcache evaluate prints the metrics table, --compare the significance table, bad input exits 2', () => {
  const r = cli('--run', 'x.trec', '--qrels', 'y.tsv', '--metrics', 'mrr@10,p@1', '--json', 'out.json', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'metric   value  queries\nmrr@10  0.7500        2\np@1     0.5000        2\n');
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'out.json'), 'utf8'));
  assert.deepEqual(json.perQuery['mrr@10'], [0.5, 1]);

  const c = cli('--run', 'x.trec', '--qrels', 'y.tsv', '--metrics', 'mrr@10', '--compare', 'z.trec', '--trials', '200', '--quiet');
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /metric\s+run\s+compare\s+diff\s+t-test p\s+randomisation p\s+queries\nmrr@10\s+0\.7500\s+1\.0000\s+-0\.2500/);

  const bad = cli('--run', 'x.trec', '--qrels', 'y.tsv', '--metrics', 'bogus');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^error: --metrics: unknown metric 'bogus'/m);
});
