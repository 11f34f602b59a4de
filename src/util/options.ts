/**
 * Declared options: each setting of the toolkit (a training option, a command's flag) is declared
 * once, as data: its type, its range or choices, its default and its help. The CLI's flags, the
 * `--config` file schema, help texts and validation are all derived from these tables
 * (src/cli/args.ts), and so are the types of the parsed values (`Values<T>`), so a command reads
 * its options without casts.
 *
 * Numbers are strict: an integer flag is decimal digits with an optional minus sign (no hex, no
 * exponent, no fraction, no blank); a number flag is a decimal with an optional exponent. Every
 * number and integer option declares its range (`min`; `max` defaults to the largest safe integer,
 * or to any finite number), and a value outside it is an InputError naming the option and the range.
 */
import { InputError } from './errors';

interface OptionBase {
  /** One line: what the option does. */
  help: string;
  /** Shown in help instead of the type, e.g. 'dir', 'i/n'. */
  placeholder?: string;
  required?: boolean;
  /** Shown in help as the default when the value is decided elsewhere (e.g. 'the strategy'). */
  defaultText?: string;
  /** The flag's name (kebab-case, without --) when it is not derived from the key and section. */
  flag?: string;
}

export interface IntOption extends OptionBase {
  type: 'int';
  default?: number;
  /** Smallest accepted value. */
  min: number;
  /** Largest accepted value (default Number.MAX_SAFE_INTEGER). */
  max?: number;
}

export interface NumberOption extends OptionBase {
  type: 'number';
  default?: number;
  min: number;
  /** The bound `min` itself is refused (e.g. a learning rate > 0). */
  minExclusive?: boolean;
  /** Largest accepted value (default: any finite number). */
  max?: number;
  maxExclusive?: boolean;
}

export interface StringOption extends OptionBase {
  type: 'string';
  default?: string | null;
  choices?: readonly string[];
  /** The value may be null: JSON null in a config file, `none` on the command line. */
  nullable?: boolean;
  /** Further validation of a given value; throws an InputError naming `where`. */
  check?: (value: string, where: string) => void;
}

export interface BooleanOption extends OptionBase {
  type: 'boolean';
  default?: boolean;
}

/** A comma-separated list on the command line, a JSON array in a config file. */
export type ListOption = OptionBase & { type: 'list' } & (
    | {
        of: 'string'; default?: readonly string[]; choices?: readonly string[];
        /** Further validation of each given item; throws an InputError naming `where`. */
        check?: (item: string, where: string) => void;
      }
    | { of: 'int'; default?: readonly number[]; min: number; max?: number }
    | { of: 'number'; default?: readonly number[]; min: number; minExclusive?: boolean; max?: number; maxExclusive?: boolean }
  );

/**
 * A group of options that is one nested object in the value (and in a config file), e.g.
 * `encoder: { maxTokens: 128 }`. Its flags are `--<prefix>-<name>` unless an option names its flag.
 */
export interface SectionOption {
  type: 'section';
  help: string;
  options: OptionTable;
  /** Prefix of the section's flag names (default: the section's key in kebab-case). */
  flagPrefix?: string;
  /** A single string that sets several of the section's options, as `--<section> value` or `"<section>": "value"`. */
  shorthand?: {
    help: string;
    placeholder?: string;
    defaultText?: string;
    /** Option values (by key in this section) that `value` stands for; InputError naming `where` if it means nothing. */
    expand: (value: string, where: string) => Record<string, unknown>;
  };
}

export type LeafOption = IntOption | NumberOption | StringOption | BooleanOption | ListOption;
export type OptionSpec = LeafOption | SectionOption;
export type OptionTable = { readonly [key: string]: OptionSpec };

// ---- the types of parsed values, derived from a table ----

type ChoiceOf<S> = S extends { choices: readonly (infer C extends string)[] } ? C : string;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The type of an option's value. */
export type ValueOf<S> = S extends { type: 'int' | 'number' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'string' }
      ? ChoiceOf<S> | (S extends { nullable: true } ? null : never)
      : S extends { type: 'list'; of: 'int' | 'number' }
        ? number[]
        : S extends { type: 'list' }
          ? ChoiceOf<S>[]
          : S extends { type: 'section'; options: infer T }
            ? Values<T>
            : never;

/** Whether an option always has a value: a section, a required option, or one with a default. */
type Present<S> = S extends { type: 'section' } ? true : S extends { required: true } ? true : S extends { default: infer D } ? ([D] extends [undefined] ? false : true) : false;

/** The values of a table: options that always have a value are required keys, the others optional. */
export type Values<T> = Simplify<
  { -readonly [K in keyof T as Present<T[K]> extends true ? K : never]: ValueOf<T[K]> } & {
    -readonly [K in keyof T as Present<T[K]> extends true ? never : K]?: ValueOf<T[K]>;
  }
>;

/** Declares a table; keeps its literal types (choices become unions in `Values`). */
export function defineOptions<const T extends OptionTable>(table: T): T {
  return table;
}

// ---- ranges, parsing and defaults ----

const camel = (s: string) => s.replace(/-([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
/** `batchSize` → `batch-size`. */
export const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
/** `batch-size` → `batchSize`. */
export { camel };

const INT_RE = /^-?\d+$/;
const NUMBER_RE = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

type Ranged = { min: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean };

/** What a numeric option accepts, e.g. 'an integer ≥ 1', 'an integer in 0..100', 'a number in (0, 1)'. */
export function rangeText(kind: 'int' | 'number', r: Ranged): string {
  if (kind === 'int') {
    const max = r.max ?? Number.MAX_SAFE_INTEGER;
    return max >= Number.MAX_SAFE_INTEGER ? `an integer ≥ ${r.min}` : `an integer in ${r.min}..${max}`;
  }
  const lo = `${r.minExclusive ? '>' : '≥'} ${r.min}`;
  if (r.max === undefined) return `a number ${lo}`;
  return `a number in ${r.minExclusive ? '(' : '['}${r.min}, ${r.max}${r.maxExclusive ? ')' : ']'}`;
}

function inRange(n: number, kind: 'int' | 'number', r: Ranged): boolean {
  if (kind === 'int' && !Number.isSafeInteger(n)) return false;
  if (!Number.isFinite(n)) return false;
  if (r.minExclusive ? n <= r.min : n < r.min) return false;
  const max = r.max ?? (kind === 'int' ? Number.MAX_SAFE_INTEGER : Infinity);
  return r.maxExclusive ? n < max : n <= max;
}

/** The text of a value as a user would type it back (for messages and help). */
export function showValue(v: unknown): string {
  if (Array.isArray(v)) return v.join(',');
  if (v === null) return 'none';
  return String(v);
}

function parseNumber(kind: 'int' | 'number', r: Ranged, raw: unknown, where: string, expected = rangeText(kind, r)): number {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && (kind === 'int' ? INT_RE : NUMBER_RE).test(raw.trim())) n = Number(raw.trim());
  else throw new InputError(`${where}: expected ${expected}, got ${typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw)}`);
  if (!inRange(n, kind, r)) throw new InputError(`${where}: expected ${expected}, got ${typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw)}`);
  return n;
}

/**
 * Parses and checks one value of a leaf option. `raw` is a command-line string (`fromText`) or a
 * JSON value from a config file. InputError naming `where` and what was expected.
 */
export function parseOptionValue(spec: LeafOption, raw: unknown, where: string, fromText: boolean): unknown {
  switch (spec.type) {
    case 'int':
    case 'number':
      if (!fromText && typeof raw !== 'number') throw new InputError(`${where}: expected ${rangeText(spec.type, spec)}, got ${JSON.stringify(raw)}`);
      return parseNumber(spec.type, spec, raw, where);
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (fromText && (raw === 'true' || raw === '1')) return true;
      if (fromText && (raw === 'false' || raw === '0')) return false;
      throw new InputError(`${where}: expected true or false, got ${fromText ? `'${raw}'` : JSON.stringify(raw)}`);
    case 'string': {
      if (spec.nullable && (raw === null || (fromText && raw === 'none'))) return null;
      if (typeof raw !== 'string') throw new InputError(`${where}: expected ${spec.choices ? `one of ${spec.choices.join(', ')}` : 'a string'}${spec.nullable ? ' or null' : ''}, got ${JSON.stringify(raw)}`);
      if (spec.choices && !spec.choices.includes(raw)) throw new InputError(`${where}: expected one of ${spec.choices.join(', ')}, got '${raw}'`);
      if (!spec.choices && raw.trim() === '') throw new InputError(`${where}: expected a non-empty value (${spec.placeholder ?? 'string'})`);
      spec.check?.(raw, where);
      return raw;
    }
    case 'list': {
      let items: unknown[];
      if (fromText && typeof raw === 'string') items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      else if (Array.isArray(raw)) items = raw;
      else throw new InputError(`${where}: expected a JSON array, got ${JSON.stringify(raw)}`);
      if (items.length === 0) throw new InputError(`${where}: expected a non-empty list, got ${fromText ? `'${raw}'` : '[]'}`);
      if (spec.of === 'string') {
        return items.map((x) => {
          if (typeof x !== 'string' || x === '') throw new InputError(`${where}: expected a list of non-empty strings, got ${JSON.stringify(x)}`);
          if (spec.choices && !spec.choices.includes(x)) throw new InputError(`${where}: expected a list of ${spec.choices.join(', ')}, got '${x}'`);
          spec.check?.(x, where);
          return x;
        });
      }
      const kind = spec.of;
      const expected = `a list of ${rangeText(kind, spec).replace(/^an? (\w+)/, '$1s')}`;
      return items.map((x) => {
        if (!fromText && typeof x !== 'number') throw new InputError(`${where}: expected ${expected}, got ${JSON.stringify(x)}`);
        return parseNumber(kind, spec, x, where, expected);
      });
    }
  }
}

/** The defaults of a table as a value (sections nested; options without a default left out). */
export function defaultsOf<const T extends OptionTable>(table: T): Values<T> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    if (spec.type === 'section') out[key] = defaultsOf(spec.options);
    else if (spec.default !== undefined) out[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return out as Values<T>;
}

/** A table's type with the defaults taken out (sections included). */
export type NoDefaults<T> = {
  [K in keyof T]: T[K] extends { type: 'section'; options: infer O } ? Omit<T[K], 'options'> & { options: NoDefaults<O> } : Omit<T[K], 'default'> & { defaultText?: string };
};

/**
 * The table with every default moved into `defaultText` (help still shows it): parsing then gives
 * only the values a user set, to lay over defaults decided elsewhere (e.g. by `resolveConfig`).
 */
export function withoutDefaults<const T extends OptionTable>(table: T): NoDefaults<T> {
  const out: Record<string, OptionSpec> = {};
  for (const [key, spec] of Object.entries(table)) {
    if (spec.type === 'section') out[key] = { ...spec, options: withoutDefaults(spec.options) as OptionTable };
    else {
      const { default: d, ...rest } = spec as LeafOption & { default?: unknown };
      out[key] = { ...rest, ...(d !== undefined && rest.defaultText === undefined ? { defaultText: showValue(d) } : {}) } as LeafOption;
    }
  }
  return out as never;
}

/** The entries of `table` named in `keys`, in the table's order. */
export function pickOptions<const T extends OptionTable, const K extends keyof T & string>(table: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(Object.entries(table).filter(([k]) => (keys as readonly string[]).includes(k))) as Pick<T, K>;
}

/** The entries of `table` except those named in `keys`. */
export function omitOptions<const T extends OptionTable, const K extends keyof T & string>(table: T, keys: readonly K[]): Omit<T, K> {
  return Object.fromEntries(Object.entries(table).filter(([k]) => !(keys as readonly string[]).includes(k))) as Omit<T, K>;
}

/** One leaf option of a (nested) table: its path of keys, spec and flag name. */
export interface LeafEntry {
  path: string[];
  spec: LeafOption;
  flag: string;
}

/** A section's shorthand: its path, the section, and its flag name (the section's prefix). */
export interface ShorthandEntry {
  path: string[];
  section: SectionOption;
  flag: string;
}

/** Every leaf (and section shorthand) of a table in declaration order, with its flag name. */
export function flattenOptions(table: OptionTable, prefix = '', path: string[] = []): { leaves: LeafEntry[]; shorthands: ShorthandEntry[] } {
  const leaves: LeafEntry[] = [];
  const shorthands: ShorthandEntry[] = [];
  for (const [key, spec] of Object.entries(table)) {
    if (spec.type === 'section') {
      const p = spec.flagPrefix ?? kebab(key);
      const sub = flattenOptions(spec.options, prefix ? `${prefix}-${p}` : p, [...path, key]);
      if (spec.shorthand) shorthands.push({ path: [...path, key], section: spec, flag: prefix ? `${prefix}-${p}` : p });
      leaves.push(...sub.leaves);
      shorthands.push(...sub.shorthands);
    } else {
      leaves.push({ path: [...path, key], spec, flag: spec.flag ?? (prefix ? `${prefix}-${kebab(key)}` : kebab(key)) });
    }
  }
  return { leaves, shorthands };
}
