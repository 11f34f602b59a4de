/**
 * Flag parsing for every command, derived from its declared options (src/util/options.ts):
 * `--name value`, `--name=value`, `--flag` / `--no-flag` for booleans, and `--config file.json`
 * whose keys are the option names, sections as nested objects (`{"corrector": {"kind": "linear"}}`;
 * a section's flag names, e.g. `correctorKind`, are accepted at the top level too). Flags win over
 * the config file, which wins over defaults. Unknown flags or keys and bad values are InputErrors
 * that name the flag (or the file and key path) and what was expected.
 */
import * as fs from 'fs';
import { InputError } from '../util/errors';
import { BACKEND_CHOICES } from '../tensor/names';
import {
  camel, defineOptions, flattenOptions, kebab, parseOptionValue, rangeText, showValue,
  type LeafEntry, type LeafOption, type OptionTable, type SectionOption, type ShorthandEntry, type Values,
} from '../util/options';

export type { OptionTable } from '../util/options';
/** A command's flag table (its declared options). */
export type Flags = OptionTable;

export const GLOBAL_FLAGS = defineOptions({
  config: { type: 'string', help: 'JSON file of option values, sections nested (flags given on the command line win)', placeholder: 'file' },
  backend: { type: 'string', help: 'TensorFlow.js backend', default: 'auto', choices: BACKEND_CHOICES },
  quiet: { type: 'boolean', help: 'no progress output', default: false },
  help: { type: 'boolean', help: 'show this help', default: false },
});

/** What a command's `run` receives: its option values (and the global ones), typed from its table. */
export type Parsed<T extends OptionTable, G extends OptionTable = typeof GLOBAL_FLAGS> = Values<T> &
  Values<G> & {
    /** Positional arguments. */
    _: string[];
    /** Paths (`steps`, `corrector.kind`) of the options given by a flag or the config file. */
    _given: ReadonlySet<string>;
  };
export type ParsedFlags = Parsed<OptionTable>;

/** The options of a table, indexed by flag name (and by camelCase flag name). */
interface FlagIndex {
  leaves: LeafEntry[];
  shorthands: ShorthandEntry[];
  byFlag: Map<string, LeafEntry | ShorthandEntry>;
}

function indexFlags(flags: OptionTable): FlagIndex {
  const { leaves, shorthands } = flattenOptions(flags);
  const byFlag = new Map<string, LeafEntry | ShorthandEntry>();
  for (const e of [...leaves, ...shorthands]) {
    for (const name of new Set([e.flag, camel(e.flag)])) {
      const prev = byFlag.get(name);
      if (prev) throw new Error(`flag --${e.flag} declared twice (${prev.path.join('.')} and ${e.path.join('.')})`);
      byFlag.set(name, e);
    }
  }
  return { leaves, shorthands, byFlag };
}

const isLeaf = (e: LeafEntry | ShorthandEntry): e is LeafEntry => 'spec' in e;
const pathKey = (path: string[]) => path.join('.');

/** Reads and parses a JSON file; InputError naming `what` (a flag) or the file when it cannot. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${what}: cannot read '${file}'`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Section shorthand: the values (by path) that `value` stands for, each checked by its option. */
function expandShorthand(e: ShorthandEntry, value: unknown, where: string, fromText: boolean): Map<string, unknown> {
  if (typeof value !== 'string') throw new InputError(`${where}: expected ${e.section.shorthand!.placeholder ?? 'a string'} or an object of ${e.path.join('.')} options, got ${JSON.stringify(value)}`);
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(e.section.shorthand!.expand(value, where))) {
    const spec = e.section.options[k] as LeafOption;
    out.set(pathKey([...e.path, k]), parseOptionValue(spec, v, where, fromText));
  }
  return out;
}

/** Values (by path) of a config-file object against `table`; unknown keys name their path. */
function readConfigObject(obj: Record<string, unknown>, table: OptionTable, index: FlagIndex, file: string, command: string, see: string, path: string[] = []): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const set = (key: string, v: unknown, keyPath: string) => {
    if (out.has(key)) throw new InputError(`${file}: '${keyPath}' sets ${key}, which the file already sets`);
    out.set(key, v);
  };
  for (const [k, v] of Object.entries(obj)) {
    const keyPath = [...path, k].join('.');
    const where = `${file}: key '${keyPath}'`;
    const spec = table[camel(k)];
    if (spec?.type === 'section') {
      const entry = index.shorthands.find((s) => pathKey(s.path) === pathKey([...path, camel(k)]));
      if (isObject(v)) {
        for (const [p, x] of readConfigObject(v, spec.options, index, file, command, see, [...path, camel(k)])) set(p, x, keyPath);
      } else if (entry) {
        for (const [p, x] of expandShorthand(entry, v, where, false)) set(p, x, keyPath);
      } else throw new InputError(`${where}: expected an object of ${keyPath} options, got ${JSON.stringify(v)}`);
      continue;
    }
    if (spec) {
      set(pathKey([...path, camel(k)]), parseOptionValue(spec, v, where, false), keyPath);
      continue;
    }
    // at the top level, a flag name stands for its option (e.g. "correctorKind" for corrector.kind)
    const byFlag = path.length === 0 ? index.byFlag.get(k) ?? index.byFlag.get(kebab(k)) : undefined;
    if (byFlag && isLeaf(byFlag)) {
      set(pathKey(byFlag.path), parseOptionValue(byFlag.spec, v, where, false), keyPath);
      continue;
    }
    throw new InputError(`${file}: unknown option '${keyPath}' for ${command}; ${see}`);
  }
  return out;
}

/** Who parses: `program` and `command` name it in messages (`see \`freshcache train --help\``); `globals` are the flags every command takes. */
export interface ParseContext<G extends OptionTable> {
  program?: string;
  globals?: G;
}

/** Parses `argv` against a command's declared options (and the global ones); see the module comment. */
export function parseFlags<const T extends OptionTable, const G extends OptionTable = typeof GLOBAL_FLAGS>(argv: string[], flags: T, command: string, pc: ParseContext<G> = {}): Parsed<T, G> {
  const see = `see \`${pc.program ?? 'freshcache'} ${command} --help\``;
  const table: OptionTable = { ...flags, ...(pc.globals ?? GLOBAL_FLAGS) };
  const index = indexFlags(table);
  const fromArgs = new Map<string, unknown>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
        if (a === '-h') {
          fromArgs.set('help', true);
          continue;
        }
        throw new InputError(`${command}: unknown flag '${a}' (flags are --long-form; ${see})`);
      }
      positional.push(a);
      continue;
    }
    let key = a.slice(2);
    let value: string | undefined;
    const eq = key.indexOf('=');
    if (eq >= 0) {
      value = key.slice(eq + 1);
      key = key.slice(0, eq);
    }
    let entry = index.byFlag.get(key) ?? index.byFlag.get(kebab(key));
    let negated = false;
    if (!entry && key.startsWith('no-')) {
      const e = index.byFlag.get(key.slice(3)) ?? index.byFlag.get(kebab(key.slice(3)));
      if (e && isLeaf(e) && e.spec.type === 'boolean') {
        entry = e;
        negated = true;
      }
    }
    if (!entry) throw new InputError(`${command}: unknown flag --${key}; ${see}`);
    const where = `--${entry.flag}`;
    if (isLeaf(entry) && entry.spec.type === 'boolean') {
      if (negated && value !== undefined) throw new InputError(`--${key}: takes no value`);
      fromArgs.set(pathKey(entry.path), negated ? false : value === undefined ? true : parseOptionValue(entry.spec, value, where, true));
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new InputError(`${where}: expected a value (${isLeaf(entry) ? placeholderOf(entry.spec) : entry.section.shorthand!.placeholder ?? 'string'})`);
      value = argv[++i];
    }
    if (isLeaf(entry)) fromArgs.set(pathKey(entry.path), parseOptionValue(entry.spec, value, where, true));
    else for (const [p, v] of expandShorthand(entry, value, where, true)) fromArgs.set(p, v);
  }

  let fromConfig = new Map<string, unknown>();
  const cfgPath = fromArgs.get('config') as string | undefined;
  if (cfgPath) {
    const obj = readJsonFile(cfgPath, '--config');
    if (!isObject(obj)) throw new InputError(`${cfgPath}: expected a JSON object of option values`);
    fromConfig = readConfigObject(obj, table, index, cfgPath, command, see);
  }

  const out: Record<string, unknown> = { _: positional };
  const given = new Set<string>();
  for (const { path, spec } of index.leaves) {
    const key = pathKey(path);
    const v = fromArgs.has(key) ? fromArgs.get(key) : fromConfig.has(key) ? fromConfig.get(key) : spec.default;
    if (fromArgs.has(key) || fromConfig.has(key)) given.add(key);
    let node = out; // a section is an object even when none of its options is set
    for (const p of path.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    if (v !== undefined) node[path[path.length - 1]] = Array.isArray(v) ? [...v] : v;
  }
  out._given = given;
  if (!out.help) {
    for (const { path, spec, flag } of index.leaves) {
      if (spec.required && !given.has(pathKey(path))) throw new InputError(`${command}: missing required flag --${flag} (${spec.help})`);
    }
  }
  return out as Parsed<T, G>;
}

function placeholderOf(s: LeafOption): string {
  if (s.placeholder) return s.placeholder;
  if (s.type === 'string' && s.choices) return s.choices.join('|');
  if (s.type === 'list') return s.of === 'string' ? (s.choices ? s.choices.join(',') : 'a,b') : `${s.of},...`;
  return s.type;
}

/** The default shown in help: `defaultText`, else the declared default (booleans and lists included). */
export function defaultShown(s: LeafOption): string | undefined {
  if (s.defaultText !== undefined) return s.defaultText;
  return s.default === undefined ? undefined : showValue(s.default);
}

function describe(s: LeafOption): string {
  const range = s.type === 'int' || s.type === 'number' ? `; ${rangeText(s.type, s)}` : s.type === 'list' && s.of !== 'string' ? `; each ${rangeText(s.of, s).replace(/^an? /, '')}` : '';
  const def = defaultShown(s);
  return `${s.help}${def !== undefined ? ` (default: ${def}${range})` : range ? ` (${range.slice(2)})` : ''}${s.required ? ' (required)' : ''}`;
}

/** A command's help: usage, summary, its flags (sections under their own heading), the global flags. */
export function formatHelp(command: string, summary: string, flags: OptionTable, usage?: string, pc: ParseContext<OptionTable> = {}): string {
  const lines = [`${pc.program ?? 'freshcache'} ${command}${usage ? ' ' + usage : ' [flags]'}`, '', summary];
  const groups: { title: string; rows: [string, string][] }[] = [];
  const rowsOf = (table: OptionTable, title: string) => {
    const { leaves, shorthands } = flattenOptions(table);
    const top: [string, string][] = [];
    const sections = new Map<string, [string, string][]>();
    const bucket = (path: string[]) => {
      if (path.length === 1) return top;
      const name = path.slice(0, -1).join('.');
      if (!sections.has(name)) sections.set(name, []);
      return sections.get(name)!;
    };
    for (const s of shorthands) {
      const sh = s.section.shorthand!;
      bucket([...s.path, '']).push([`  --${s.flag} <${sh.placeholder ?? 'string'}>`, `${sh.help}${sh.defaultText ? ` (default: ${sh.defaultText})` : ''}`]);
    }
    for (const { path, spec, flag } of leaves) {
      const left = spec.type === 'boolean' ? `  --${defaultShown(spec) === 'true' ? `[no-]${flag}` : flag}` : `  --${flag} <${placeholderOf(spec)}>`;
      bucket(path).push([left, describe(spec)]);
    }
    groups.push({ title, rows: top });
    for (const [name, rows] of sections) {
      const sec = name.split('.').reduce<OptionTable | SectionOption>((t, k) => ((t as SectionOption).options ?? (t as OptionTable))[k] as SectionOption, table) as SectionOption;
      groups.push({ title: `${sec.help} (config section "${name}"):`, rows });
    }
  };
  rowsOf(flags, 'Flags:');
  rowsOf(pc.globals ?? GLOBAL_FLAGS, 'Global flags:');
  const width = Math.min(44, Math.max(...groups.flatMap((g) => g.rows.map(([l]) => l.length))) + 2);
  for (const g of groups) {
    if (g.rows.length === 0) continue;
    lines.push('', g.title);
    for (const [l, r] of g.rows) lines.push(l.length >= width ? `${l}\n${' '.repeat(width)}${r}` : `${l.padEnd(width)}${r}`);
  }
  return lines.join('\n');
}
