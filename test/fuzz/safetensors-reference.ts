/**
 * Re-checks test/encoders/safetensors-cases.ts against the reference reader: writes every case,
 * loads each with the Python `safetensors` package (`safe_open`, every tensor read) and compares
 * accept/refuse with the case's kind. Skips (exit 0, says so) when that Python lacks the package.
 *
 *   node --import tsx test/fuzz/safetensors-reference.ts [python]     (default: $FRESHCACHE_PYTHON or python3)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { SAFETENSORS_CASES } from '../encoders/safetensors-cases';

const python = process.argv[2] ?? process.env.FRESHCACHE_PYTHON ?? 'python3';
const probe = spawnSync(python, ['-c', 'import safetensors, numpy; print(safetensors.__version__)'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log(`safetensors reference: skipped (${python} lacks the safetensors and numpy packages)`);
  process.exit(0);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-ref-'));
const files = SAFETENSORS_CASES.map((c, i) => {
  const f = path.join(dir, `${i}.safetensors`);
  fs.writeFileSync(f, c.bytes);
  return f;
});
const script = `
import json, sys
from safetensors import safe_open
out = []
for f in json.loads(sys.argv[1]):
    try:
        with safe_open(f, framework='numpy') as h:
            for k in h.keys(): h.get_tensor(k)
        out.append(None)
    except Exception as e:
        out.append(str(e).replace('\\n', ' '))
print(json.dumps(out))
`;
const r = spawnSync(python, ['-c', script, JSON.stringify(files)], { encoding: 'utf8' });
fs.rmSync(dir, { recursive: true, force: true });
if (r.status !== 0) throw new Error(`${python}: ${r.stderr}`);
const got: (string | null)[] = JSON.parse(r.stdout);
let disagree = 0;
SAFETENSORS_CASES.forEach((c, i) => {
  const refAccepts = got[i] === null;
  const expectAccept = c.kind === null || c.referenceAccepts === true;
  const ok = refAccepts === expectAccept;
  if (!ok) disagree++;
  console.log(`${ok ? 'agree   ' : 'DISAGREE'} ${c.name}: ours ${c.kind ?? 'accepts'}; reference ${got[i] ?? 'accepts'}${c.referenceAccepts ? ' (format rule stricter than the reference reader)' : ''}`);
});
console.log(`safetensors reference ${probe.stdout.trim()}: ${SAFETENSORS_CASES.length - disagree} of ${SAFETENSORS_CASES.length} cases agree`);
process.exit(disagree ? 1 : 0);
