/**
 * Finds the tslab object-shorthand trap in notebooks: `{ foo }` where `foo` is a top-level name of
 * an *earlier* cell type-checks, then throws `ReferenceError: foo is not defined` (tslab keeps
 * earlier cells' names on its exports object and rewrites plain references to them, but not a
 * shorthand property). Write `{ foo: foo }` instead (environment.md). Names declared in the same
 * cell, or in a function or block around the shorthand, are fine.
 *
 *   node --import tsx scripts/notebook-lint.ts [notebooks/NAME.ipynb ...]      (default: notebooks/*.ipynb)
 *
 * Prints `file: cell N, line L: ...` for each trap and exits 1 when there is one.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { cellSource, readNotebook } from './notebook-text';
import { InputError } from '../src/util/errors';

export interface ShorthandTrap {
  /** 1-based index among the notebook's code cells. */
  cell: number;
  /** 1-based line and column in that cell. */
  line: number;
  column: number;
  name: string;
}

/** The names a binding (`x`, `{ a, b: [c] }`) declares. */
function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name)));
}

function isFunctionScope(n: ts.Node): boolean {
  return ts.isFunctionLike(n) || ts.isSourceFile(n);
}

function isBlockScope(n: ts.Node): boolean {
  return isFunctionScope(n) || ts.isBlock(n) || ts.isForStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n) || ts.isCatchClause(n) || ts.isCaseBlock(n) || ts.isModuleBlock(n);
}

function nearest(n: ts.Node, pred: (n: ts.Node) => boolean): ts.Node {
  let p = n.parent;
  while (p && !pred(p)) p = p.parent;
  return p;
}

/** Every declaration in `sf` as (scope node, name): the scope is where the name is visible. */
function declarations(sf: ts.SourceFile): { scope: ts.Node; name: string }[] {
  const out: { scope: ts.Node; name: string }[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isVariableDeclaration(n)) {
      const list = n.parent;
      const blockScoped = ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.BlockScoped) !== 0;
      const scope = ts.isCatchClause(n.parent) ? n.parent : nearest(n, blockScoped ? isBlockScope : isFunctionScope);
      for (const name of bindingNames(n.name)) out.push({ scope, name });
    } else if (ts.isParameter(n)) {
      for (const name of bindingNames(n.name)) out.push({ scope: n.parent, name });
    } else if ((ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n) || ts.isEnumDeclaration(n)) && n.name) {
      out.push({ scope: nearest(n, isBlockScope), name: n.name.text });
    } else if ((ts.isFunctionExpression(n) || ts.isClassExpression(n)) && n.name) {
      out.push({ scope: n, name: n.name.text });
    } else if (ts.isImportClause(n) && n.name) {
      out.push({ scope: sf, name: n.name.text });
    } else if (ts.isNamespaceImport(n) || ts.isImportSpecifier(n) || ts.isImportEqualsDeclaration(n)) {
      out.push({ scope: sf, name: n.name.text });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Shorthand properties in `cells` (code cell sources, in order) that name an earlier cell's top-level declaration. */
export function shorthandTraps(cells: readonly string[]): ShorthandTrap[] {
  const earlier = new Set<string>();
  const traps: ShorthandTrap[] = [];
  cells.forEach((src, i) => {
    const sf = ts.createSourceFile(`cell-${i + 1}.ts`, src, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const decls = declarations(sf);
    const visit = (n: ts.Node) => {
      if (ts.isShorthandPropertyAssignment(n) && earlier.has(n.name.text)) {
        const name = n.name.text;
        let local = false;
        for (let p: ts.Node | undefined = n; p && !local; p = p.parent) local = decls.some((d) => d.scope === p && d.name === name);
        if (!local) {
          const { line, character } = sf.getLineAndCharacterOfPosition(n.name.getStart(sf));
          traps.push({ cell: i + 1, line: line + 1, column: character + 1, name });
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    for (const d of decls) if (d.scope === sf) earlier.add(d.name);
  });
  return traps;
}

/** The traps of one notebook file, as `file: cell N, line L:C: ...` lines. */
export function lintNotebook(file: string): string[] {
  const code = readNotebook(file).cells.filter((c) => c.cell_type === 'code').map(cellSource);
  return shorthandTraps(code).map(
    (t) => `${file}: code cell ${t.cell}, line ${t.line}:${t.column}: object shorthand { ${t.name} } over a name from an earlier cell throws ReferenceError in tslab; write { ${t.name}: ${t.name} }`,
  );
}

if (require.main === module) {
  try {
    const args = process.argv.slice(2);
    const bad = args.find((a) => a.startsWith('-'));
    if (bad) throw new InputError(`unknown option '${bad}' (expected notebook paths)`);
    const files = args.length > 0 ? args : fs.readdirSync('notebooks').filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join('notebooks', f));
    const problems = files.flatMap(lintNotebook);
    for (const p of problems) console.error(p);
    process.exitCode = problems.length > 0 ? 1 : 0;
  } catch (e) {
    console.error(`notebook-lint: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = e instanceof InputError ? 2 : 1;
  }
}
