import * as fs from 'fs';
import * as readline from 'readline';
import { createGunzip } from 'zlib';

/**
 * Streams the lines of a text file (gzip when it ends in .gz) with 1-based line numbers, never
 * holding the whole file: the way every corpus, query, qrels and run reader reads.
 */
export async function* readLines(file: string): AsyncGenerator<{ line: string; lineNo: number }> {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of rl) {
      lineNo++;
      yield { line, lineNo };
    }
  } finally {
    rl.close();
    raw.destroy();
  }
}
