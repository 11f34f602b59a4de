/**
 * Pairs each notebook `notebooks/NAME.ipynb` with a plain TypeScript script `notebooks/NAME.ts` in
 * jupytext's "percent" format, so code review happens on text: `// %%` opens a code cell,
 * `// %% [markdown]` a markdown cell (its lines behind `// `), one blank line between cells, and a
 * YAML header with the kernelspec and jupytext's pairing (`formats: ipynb,ts:percent`), so that
 * `jupytext --sync` also understands the pair. Outputs live only in the .ipynb. (jupytext itself is
 * not in this machine's pip mirror; this is the subset of its format that our notebooks use.)
 *
 *   node --import tsx scripts/notebook-text.ts [--check | --guard | --sync] [notebooks/NAME.ipynb ...]
 *
 * (default) write each NAME.ts from its notebook (the notebook is the source of truth)
 * --check   exit 1 when a NAME.ts is missing or differs from its notebook (run-notebooks.sh --check)
 * --guard   exit 1 when a NAME.ts differs from its notebook and is the newer file: it may hold edits
 *           that writing it from the notebook would lose (run-notebooks.sh --write runs this first)
 * --sync    for each pair that differs, the newer file wins (jupytext's rule): a newer .ts is applied
 *           to the notebook (a cell whose source is unchanged keeps its outputs; a changed one loses
 *           them, and run-notebooks.sh --check then reports the notebook stale until --write), a
 *           newer notebook rewrites the .ts. Git sets modification times when it writes files, so
 *           after a merge or rebase that touched both files, regenerate from the notebooks instead.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../src/util/errors';
import { writeFileAtomic } from '../src/util/atomic';

export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  id?: string;
  metadata: Record<string, unknown>;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
  [key: string]: unknown;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: { kernelspec?: { name: string; display_name: string; language: string }; [key: string]: unknown };
  nbformat: number;
  nbformat_minor: number;
}

/** A cell's source as one string (notebooks store it as a list of lines or a string). */
export function cellSource(cell: Pick<NotebookCell, 'source'>): string {
  return typeof cell.source === 'string' ? cell.source : cell.source.join('');
}

const MARKER = /^\/\/ %%(?: \[(markdown|raw)\])?\s*$/;

function header(nb: Notebook): string[] {
  const lines = ['---', 'jupyter:', '  jupytext:', '    formats: ipynb,ts:percent', '    text_representation:', '      extension: .ts', '      format_name: percent', "      format_version: '1.3'"];
  const k = nb.metadata.kernelspec;
  if (k) lines.push('  kernelspec:', `    display_name: ${k.display_name}`, `    language: ${k.language}`, `    name: ${k.name}`);
  lines.push('---');
  return lines.map((l) => `// ${l}`);
}

/** The percent-format text of `nb` (`file` names it in errors). */
export function notebookToText(nb: Notebook, file = 'notebook'): string {
  const out = [...header(nb)];
  nb.cells.forEach((cell, i) => {
    const lines = cellSource(cell).split('\n');
    const clash = lines.findIndex((l) => MARKER.test(l) || (cell.cell_type !== 'code' && MARKER.test(`// ${l}`)));
    if (clash >= 0) throw new InputError(`${file}: cell ${i + 1}, line ${clash + 1} looks like a cell marker ('// %%'); reword it so the notebook can be paired`);
    out.push('');
    if (cell.cell_type === 'code') out.push('// %%', ...lines);
    else out.push(`// %% [${cell.cell_type}]`, ...lines.map((l) => (l === '' ? '//' : `// ${l}`)));
  });
  return out.join('\n') + '\n';
}

/** The cells of a percent-format text: type and source, in order (`file` names it in errors). */
export function textToCells(text: string, file = 'script'): { cell_type: NotebookCell['cell_type']; source: string }[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let i = 0;
  if (lines[0] === '// ---') {
    i = lines.indexOf('// ---', 1) + 1;
    if (i === 0) throw new InputError(`${file}:1: the '// ---' header is not closed`);
  }
  const cells: { cell_type: NotebookCell['cell_type']; body: string[]; line: number }[] = [];
  for (; i < lines.length; i++) {
    const m = MARKER.exec(lines[i]);
    if (m) cells.push({ cell_type: (m[1] as 'markdown' | 'raw' | undefined) ?? 'code', body: [], line: i + 1 });
    else if (cells.length > 0) cells[cells.length - 1].body.push(lines[i]);
    else if (lines[i].trim() !== '') throw new InputError(`${file}:${i + 1}: text before the first '// %%' cell marker`);
  }
  return cells.map((c) => {
    const body = c.body.slice(0, c.body.length > 0 && c.body[c.body.length - 1] === '' && c !== cells[cells.length - 1] ? -1 : undefined);
    if (c.cell_type === 'code') return { cell_type: c.cell_type, source: body.join('\n') };
    const bad = body.findIndex((l) => l !== '//' && !l.startsWith('// '));
    if (bad >= 0) throw new InputError(`${file}:${c.line + 1 + bad}: a ${c.cell_type} cell line must start with '// ' (or be '//')`);
    return { cell_type: c.cell_type, source: body.map((l) => l.slice(3)).join('\n') };
  });
}

/** nbformat's way of storing a source: a list of lines, each but the last ending in '\n'. */
function sourceLines(s: string): string[] {
  return s === '' ? [] : s.split(/(?<=\n)/);
}

/**
 * `nb` with the cells of `text`: a cell whose type and source match the old cell at its place is
 * kept whole (outputs included); another takes that place's id and metadata (when of the same type)
 * with no outputs, so the notebook shows it has not run.
 */
export function applyText(nb: Notebook, text: string, file?: string): Notebook {
  const cells = textToCells(text, file).map((c, i): NotebookCell => {
    const old = nb.cells[i];
    if (old && old.cell_type === c.cell_type && cellSource(old) === c.source) return old;
    const cell: NotebookCell = { cell_type: c.cell_type, id: old && old.cell_type === c.cell_type ? old.id : undefined, metadata: old && old.cell_type === c.cell_type ? old.metadata : {}, source: sourceLines(c.source) };
    if (cell.id === undefined) cell.id = `cell-${i + 1}-${Date.now().toString(36)}`;
    if (c.cell_type === 'code') Object.assign(cell, { execution_count: null, outputs: [] });
    return cell;
  });
  return { ...nb, cells };
}

/** JSON as nbformat writes it: keys sorted, one-space indent, non-ASCII kept, final newline. */
export function notebookJson(nb: Notebook): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sorted(nb), null, 1) + '\n';
}

export function readNotebook(file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
  } catch (e) {
    throw new InputError(`${file}: not a readable notebook (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(nb.cells)) throw new InputError(`${file}: not a notebook (no 'cells' list)`);
  return nb;
}

/** The script paired with a notebook: NAME.ipynb -> NAME.ts beside it. */
export function pairedScript(notebook: string): string {
  return notebook.replace(/\.ipynb$/, '.ts');
}

function main(argv: string[]): number {
  const modes = ['--check', '--guard', '--sync'];
  const mode = modes.find((m) => argv.includes(m))?.slice(2) ?? 'write';
  const unknown = argv.find((a) => a.startsWith('-') && !modes.includes(a));
  if (unknown) throw new InputError(`unknown option '${unknown}' (expected --check, --guard, --sync or notebook paths)`);
  let files = argv.filter((a) => !a.startsWith('-'));
  if (files.length === 0) files = fs.readdirSync('notebooks').filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join('notebooks', f));
  let status = 0;
  for (const file of files) {
    if (!file.endsWith('.ipynb')) throw new InputError(`${file}: expected a .ipynb notebook`);
    const script = pairedScript(file);
    const nb = readNotebook(file);
    const text = notebookToText(nb, file);
    const current = fs.existsSync(script) ? fs.readFileSync(script, 'utf8') : undefined;
    if (current === text) {
      if (mode === 'check') console.log(`ok      ${script}`);
      continue;
    }
    const scriptNewer = current !== undefined && fs.statSync(script).mtimeMs > fs.statSync(file).mtimeMs;
    if (mode === 'guard') {
      if (scriptNewer) {
        status = 1;
        console.error(`${script}: newer than ${file} and different: apply it with \`node --import tsx scripts/notebook-text.ts --sync ${file}\`, or discard it with \`node --import tsx scripts/notebook-text.ts ${file}\``);
      }
      continue;
    }
    if (mode === 'check') {
      status = 1;
      const a = (current ?? '').split('\n');
      const b = text.split('\n');
      const at = a.findIndex((l, i) => l !== b[i]);
      console.error(current === undefined ? `${script}: missing (pair of ${file})` : `${script}:${(at < 0 ? a.length : at) + 1}: differs from ${file}`);
    } else if (mode === 'sync' && scriptNewer) {
      writeFileAtomic(file, notebookJson(applyText(nb, current, script)));
      console.log(`${script} -> ${file}`);
    } else {
      writeFileAtomic(script, text);
      console.log(`${file} -> ${script}`);
    }
  }
  if (status !== 0 && mode === 'check') console.error('notebook-text: notebooks and their .ts pairs differ: write the scripts from the notebooks (`node --import tsx scripts/notebook-text.ts`) or apply edited scripts (`--sync`: the newer file wins), and commit both');
  return status;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`notebook-text: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = e instanceof InputError ? 2 : 1;
  }
}
