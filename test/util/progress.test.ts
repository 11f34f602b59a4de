import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressBar, progressRate, isFinal } from '../../src/util/progress';

/** A progressBar writing to a non-terminal stream that records lines; `everySeconds` 0 prints every event. */
function recorder() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s.trimEnd()) } as unknown as NodeJS.WriteStream;
  return { lines, bar: progressBar({ stream, everySeconds: 0 }) };
}

test('progressBar: every stage ends with a final line, "done" at its total and "stopped" when ended early', () => {
  const { lines, bar } = recorder();
  bar({ stage: 'train a', done: 1, total: 3, unit: 'steps' });
  bar({ stage: 'train a', done: 3, total: 3, unit: 'steps' });
  bar({ stage: 'train b', done: 2, total: 9, unit: 'steps' });
  bar({ stage: 'train b', done: 2, total: 9, unit: 'steps', final: true, info: { stopped: 'checkpoint saved at step 2' } });
  bar({ stage: 'encode', done: 40, unit: 'rows', final: true });
  assert.equal(lines.length, 5);
  assert.match(lines[1], /^train a: \[#+\] 3\/3 steps .*done in /);
  assert.match(lines[3], /^train b: \[#+\.+\] 2\/9 steps .*stopped in .* stopped=checkpoint saved at step 2$/);
  assert.match(lines[4], /^encode: 40 rows .*done in /);
});

test('progressRate counts from the stage start (a resumed run); isFinal', () => {
  assert.equal(progressRate({ stage: 's', done: 130, start: 100 }, 10), 3);
  assert.equal(progressRate({ stage: 's', done: 30 }, 10), 3);
  assert.equal(isFinal({ stage: 's', done: 3, total: 3 }), true);
  assert.equal(isFinal({ stage: 's', done: 2, total: 3 }), false);
  assert.equal(isFinal({ stage: 's', done: 2, total: 3, final: true }), true);
  assert.equal(isFinal({ stage: 's', done: 2 }), false);
});
