import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { StartupLineFilter } from '../../src/cli/quiet';

const ABSL = 'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR';
const ONEDNN = 'I0000 00:00:1796434507.591968   11064 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results.';

test('StartupLineFilter drops libtensorflow start-up lines, split anywhere across chunks, and passes the rest', () => {
  const text = `${ABSL}\n${ONEDNN}\nerror: --bm25 needs --corpus\nI0 was not TF\nprogress 1/2\rprogress 2/2\n`;
  for (const cut of [1, 5, 17, 40, 1000]) {
    const f = new StartupLineFilter();
    let out = '';
    for (let i = 0; i < text.length; i += cut) out += f.push(text.slice(i, i + cut));
    out += f.end();
    assert.equal(out, 'error: --bm25 needs --corpus\nI0 was not TF\nprogress 1/2\rprogress 2/2\n', `chunks of ${cut}`);
  }
  const f = new StartupLineFilter();
  assert.equal(f.push('error: x'), 'error: x'); // an unfinished line that is not TF's goes out at once
});

test('freshcache --quiet prints nothing on stderr when the native backend loads', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'freshcache.js'), 'backend', '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /backend: /);
  assert.equal(r.stderr, '');
});
