// Keeps the code in small units (issue 17): no file in src/ or web/src/ over
// 350 lines and no function over 80, unless a comment says why.
//
// Rules:
// - Files: every .ts and .svelte file under src/ and web/src/, except the
//   generated web/src/lib/paraglide/. A .svelte file counts whole (markup and
//   style too). Test files (*.test.ts) count like any other file.
// - Functions: function declarations and expressions, arrow functions,
//   methods, constructors and get/set accessors that have a body, measured with
//   the TypeScript parser from the line they start on to the line they end on.
//   In .svelte files, the content of each <script> block is parsed. In test
//   files, the callbacks handed to describe/test/it and the before/after hooks
//   are exempt (a describe block is naturally as long as its tests); their
//   helpers are not.
// - The way out is a comment with the marker `size:` and the reason after it,
//   e.g. `// size: one table of every state transition, clearer in one piece`.
//   For a function: in the comment lines right above the line it starts on.
//   For a file: in a comment within its first 10 lines.
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dir, '..', '..');
const MAX_FILE_LINES = 350;
const MAX_FUNCTION_LINES = 80;
const MARKER = /(\/\/|\/\*|\*|<!--).*\bsize:\s*\S/;
const COMMENT_LINE = /^\s*(\/\/|\/\*|\*|<!--)/;
const TEST_CALLS = new Set(['describe', 'test', 'it', 'beforeAll', 'afterAll', 'beforeEach', 'afterEach']);

type Offender = { where: string; lines: number; limit: number };

/** The repository-relative paths of the files under the rules. */
function sourceFiles(): string[] {
  const files: string[] = [];
  for (const dir of ['src', 'web/src']) {
    for (const path of new Bun.Glob('**/*.{ts,svelte}').scanSync({ cwd: join(root, dir) })) {
      const file = `${dir}/${path}`;
      if (!file.startsWith('web/src/lib/paraglide/')) files.push(file);
    }
  }
  return files.sort();
}

/** The <script> blocks of a .svelte file, with the line each one's content starts on (0-based). */
function scriptBlocks(text: string): { code: string; firstLine: number }[] {
  const blocks: { code: string; firstLine: number }[] = [];
  for (const match of text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
    const contentStart = (match.index ?? 0) + match[0].indexOf('>') + 1;
    blocks.push({ code: match[1] ?? '', firstLine: text.slice(0, contentStart).split('\n').length - 1 });
  }
  return blocks;
}

function isFunction(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    (ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node)) &&
    node.body !== undefined
  );
}

/** describe(...), test.each(...)(...), it.skip(...): the name the call chain starts with. */
function calleeRoot(expression: ts.Expression): string | undefined {
  let node: ts.Expression = expression;
  while (ts.isPropertyAccessExpression(node) || ts.isCallExpression(node)) {
    node = ts.isCallExpression(node) ? node.expression : node.expression;
  }
  return ts.isIdentifier(node) ? node.text : undefined;
}

function isTestCallback(node: ts.Node): boolean {
  const parent = node.parent;
  if (!parent || !ts.isCallExpression(parent) || !parent.arguments.includes(node as ts.Expression)) return false;
  const name = calleeRoot(parent.expression);
  return name !== undefined && TEST_CALLS.has(name);
}

/** The comment lines right above line `at` (0-based) carry the marker. */
function excused(lines: string[], at: number): boolean {
  for (let i = at - 1; i >= 0 && COMMENT_LINE.test(lines[i] ?? ''); i--) {
    if (MARKER.test(lines[i] ?? '')) return true;
  }
  return false;
}

/** The functions of one file longer than the limit and not excused. */
function longFunctions(file: string, text: string): Offender[] {
  const lines = text.split('\n');
  const isTest = file.endsWith('.test.ts');
  const blocks = file.endsWith('.svelte') ? scriptBlocks(text) : [{ code: text, firstLine: 0 }];
  const found: Offender[] = [];
  for (const { code, firstLine } of blocks) {
    const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const visit = (node: ts.Node) => {
      if (isFunction(node) && !(isTest && isTestCallback(node))) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const length = end - start + 1;
        if (length > MAX_FUNCTION_LINES && !excused(lines, firstLine + start))
          found.push({ where: `${file}:${firstLine + start + 1}`, lines: length, limit: MAX_FUNCTION_LINES });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The file itself, when it is longer than the limit and not excused. */
function longFile(file: string, text: string): Offender | undefined {
  const lines = text.replace(/\n$/, '').split('\n');
  if (lines.length <= MAX_FILE_LINES) return undefined;
  if (lines.slice(0, 10).some((line) => MARKER.test(line))) return undefined;
  return { where: `${file}:1`, lines: lines.length, limit: MAX_FILE_LINES };
}

function offenders(files: string[]): Offender[] {
  return files.flatMap((file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const long = longFile(file, text);
    return [...(long ? [long] : []), ...longFunctions(file, text)];
  });
}

const report = (found: Offender[]) =>
  found.map(({ where, lines, limit }) => `${where} is ${lines} lines (limit ${limit})`).join('\n');

describe('code size', () => {
  test('the rules see what they should', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const fn = (n: number) => `function f() {\n${body(n - 2)}\n}\n`;
    expect(longFunctions('src/x.ts', fn(80))).toEqual([]);
    expect(longFunctions('src/x.ts', `// intro\n${fn(81)}`)).toEqual([{ where: 'src/x.ts:2', lines: 81, limit: 80 }]);
    expect(longFunctions('src/x.ts', `// size: one table, clearer whole\n${fn(81)}`)).toEqual([]);
    const method = `class A {\n  m() {\n${body(90)}\n  }\n}\n`;
    expect(longFunctions('src/x.ts', method).map((o) => o.where)).toEqual(['src/x.ts:2']);
    const inTest = `describe('d', () => {\n${body(90)}\n});\nconst helper = () => {\n${body(90)}\n};\n`;
    expect(longFunctions('src/x.test.ts', inTest).map((o) => o.where)).toEqual(['src/x.test.ts:93']);
    expect(longFunctions('src/x.ts', inTest).map((o) => o.where)).toEqual(['src/x.ts:1', 'src/x.ts:93']);
    const svelte = `<h1>hi</h1>\n<script lang="ts">\n  ${fn(81)}</script>\n`;
    expect(longFunctions('web/src/X.svelte', svelte).map((o) => o.where)).toEqual(['web/src/X.svelte:3']);
    const lines = (n: number) => `${Array.from({ length: n }, (_, i) => `// ${i}`).join('\n')}\n`;
    expect(longFile('src/x.ts', lines(350))).toBeUndefined();
    expect(longFile('src/x.ts', lines(351))).toEqual({ where: 'src/x.ts:1', lines: 351, limit: 350 });
    expect(longFile('src/x.ts', `// size: generated-like table\n${lines(400)}`)).toBeUndefined();
  });

  test('sees the source', () => {
    const files = sourceFiles();
    expect(files).toContain('src/media/supervisor.ts');
    expect(files.some((file) => file.endsWith('.svelte'))).toBe(true);
    expect(files.some((file) => file.startsWith('web/src/lib/paraglide/'))).toBe(false);
  });

  test(`no file over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES}, unless a size: comment says why`, () => {
    const found = offenders(sourceFiles());
    if (found.length) console.error(`Too long (add a "size:" comment saying why, or split):\n${report(found)}`);
    expect(report(found)).toBe('');
  });
});
