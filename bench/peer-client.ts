/**
 * A client of a Python peer in `--serve` mode (bench/peers/*.py): one JSON line per request on its
 * stdin, one JSON line per answer on its stdout ({"ok": true, ...} or {"ok": false, "error": ...}).
 * The peer runs with OMP_WAIT_POLICY=PASSIVE (unless the environment sets it) and the given
 * OMP/MKL thread counts: on a shared 2-core machine torch's spinning OpenMP threads were 3-5x slower.
 */
import { spawn, ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as readline from 'readline';

export class PeerProcess {
  private rl: readline.Interface;
  private pending: ((line: string) => void)[] = [];
  stderr = '';

  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    this.rl = readline.createInterface({ input: proc.stdout });
    this.rl.on('line', (l) => this.pending.shift()?.(l));
    proc.stderr.on('data', (d) => (this.stderr = (this.stderr + d).slice(-4000)));
  }

  /** Sends one request and resolves with the peer's answer (rejects on {"ok": false} or exit). */
  request(msg: Record<string, unknown>): Promise<any> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error(`peer exited: ${this.stderr.split('\n').slice(-5).join(' | ')}`));
      this.proc.once('exit', onExit);
      this.pending.push((line) => {
        this.proc.off('exit', onExit);
        let r: any;
        try {
          r = JSON.parse(line);
        } catch {
          reject(new Error(`peer: not JSON: ${line.slice(0, 200)}`));
          return;
        }
        if (r.ok) resolve(r);
        else reject(new Error(`peer: ${r.error}`));
      });
      this.proc.stdin.write(JSON.stringify(msg) + '\n');
    });
  }

  close(): void {
    this.proc.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
  }
}

/** Starts `python script --serve --threads N ...args`; returns a reason string when python is missing. */
export function startPeer(python: string, script: string, threads: number, args: string[] = []): PeerProcess | string {
  if (!fs.existsSync(python)) return `python not found at ${python} (run bash bench/peers/setup.sh)`;
  const env = {
    ...process.env,
    OMP_NUM_THREADS: String(threads),
    MKL_NUM_THREADS: String(threads),
    OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE',
  };
  return new PeerProcess(spawn(python, [script, '--serve', '--threads', String(threads), ...args], { env }));
}
