/**
 * Flag parsing for every command: `--name value`, `--name=value`, `--flag` / `--no-flag` for
 * booleans, and `--config file.json` whose keys are the same names (camelCase or kebab-case). Flags
 * win over the config file, which wins over defaults. Unknown flags and bad values are InputErrors
 * that name the flag and what was expected.
 */
import * as fs from 'fs';
import { InputError } from '../util/errors';

export type FlagType = 'string' | 'number' | 'int' | 'boolean' | 'list';

export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: string | number | boolean | string[];
  choices?: readonly string[];
  /** Shown in help instead of the type, e.g. 'i/n'. */
  placeholder?: string;
  required?: boolean;
}

export type Flags = Record<string, FlagSpec>;
export type ParsedFlags = Record<string, unknown> & { _: string[] };

export const GLOBAL_FLAGS: Flags = {
  config: { type: 'string', help: 'JSON file of option values (flags given on the command line win)', placeholder: 'file' },
  backend: { type: 'string', help: 'TensorFlow.js backend', default: 'auto', choices: ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] },
  quiet: { type: 'boolean', help: 'no progress output', default: false },
  help: { type: 'boolean', help: 'show this help', default: false },
};

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

function coerce(name: string, spec: FlagSpec, raw: unknown, source: string): unknown {
  const where = source === 'flag' ? `--${kebab(name)}` : `${source}: key '${name}'`;
  switch (spec.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new InputError(`${where}: expected true or false, got '${raw}'`);
    case 'number':
    case 'int': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim() === '' ? NaN : raw);
      if (!Number.isFinite(n)) throw new InputError(`${where}: expected a number, got '${raw}'`);
      if (spec.type === 'int' && !Number.isInteger(n)) throw new InputError(`${where}: expected an integer, got '${raw}'`);
      return n;
    }
    case 'list':
      if (Array.isArray(raw)) return raw.map(String);
      return String(raw).split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    default: {
      const s = String(raw);
      if (spec.choices && !spec.choices.includes(s)) throw new InputError(`${where}: expected one of ${spec.choices.join(', ')}, got '${s}'`);
      return s;
    }
  }
}

export function parseFlags(argv: string[], flags: Flags, command: string): ParsedFlags {
  const all: Flags = { ...GLOBAL_FLAGS, ...flags };
  const fromArgs: Record<string, unknown> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
        if (a === '-h') { fromArgs.help = true; continue; }
        throw new InputError(`${command}: unknown flag '${a}' (flags are --long-form; see --help)`);
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
    let name = camel(key);
    let negated = false;
    if (!(name in all) && key.startsWith('no-') && camel(key.slice(3)) in all) {
      name = camel(key.slice(3));
      negated = true;
    }
    const spec = all[name];
    if (!spec) throw new InputError(`${command}: unknown flag --${key}; see \`freshcache ${command} --help\``);
    if (spec.type === 'boolean') {
      fromArgs[name] = negated ? false : value === undefined ? true : coerce(name, spec, value, 'flag');
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new InputError(`--${key}: expected a value (${spec.placeholder ?? spec.type})`);
      value = argv[++i];
    }
    fromArgs[name] = coerce(name, spec, value, 'flag');
  }
  let fromConfig: Record<string, unknown> = {};
  const cfgPath = fromArgs.config as string | undefined;
  if (cfgPath) {
    let text: string;
    try {
      text = fs.readFileSync(cfgPath, 'utf8');
    } catch {
      throw new InputError(`--config: cannot read '${cfgPath}'`);
    }
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw new InputError(`${cfgPath}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new InputError(`${cfgPath}: expected a JSON object of option values`);
    for (const [k, v] of Object.entries(obj)) {
      const name = camel(k);
      const spec = all[name];
      if (!spec) throw new InputError(`${cfgPath}: unknown option '${k}' for ${command}`);
      fromConfig[name] = coerce(name, spec, v, cfgPath);
    }
  }
  const out: ParsedFlags = { _: positional };
  for (const [name, spec] of Object.entries(all)) {
    const v = name in fromArgs ? fromArgs[name] : name in fromConfig ? fromConfig[name] : spec.default;
    if (v !== undefined) out[name] = v;
  }
  if (!out.help) {
    for (const [name, spec] of Object.entries(all)) {
      if (spec.required && out[name] === undefined) throw new InputError(`${command}: missing required flag --${kebab(name)} (${spec.help})`);
    }
  }
  return out;
}

export function formatHelp(command: string, summary: string, flags: Flags, usage?: string): string {
  const lines = [`freshcache ${command}${usage ? ' ' + usage : ' [flags]'}`, '', summary, '', 'Flags:'];
  const entries = Object.entries({ ...flags, ...GLOBAL_FLAGS });
  const left = entries.map(([n, s]) => `  --${kebab(n)}${s.type === 'boolean' ? '' : ` <${s.placeholder ?? (s.choices ? s.choices.join('|') : s.type)}>`}`);
  const width = Math.min(44, Math.max(...left.map((l) => l.length)) + 2);
  entries.forEach(([, s], i) => {
    const def = s.default !== undefined && s.default !== false && !(Array.isArray(s.default) && s.default.length === 0) ? ` (default: ${Array.isArray(s.default) ? s.default.join(',') : s.default})` : '';
    const req = s.required ? ' (required)' : '';
    const l = left[i];
    lines.push(l.length >= width ? `${l}\n${' '.repeat(width)}${s.help}${def}${req}` : `${l.padEnd(width)}${s.help}${def}${req}`);
  });
  return lines.join('\n');
}
