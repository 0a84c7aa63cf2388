/**
 * Just enough of Bicep to check the templates without the compiler (which cannot be installed
 * here): comments and strings handled as Bicep lexes them (`//`, `/* *\/`, `'…'` with `\'`
 * escapes and `${…}` interpolation, `'''…'''` verbatim), then declarations, module calls,
 * object keys and identifier references found in what is left.
 */
import { readFileSync } from 'node:fs';

export interface Param {
  name: string;
  type: string;
  hasDefault: boolean;
  decorators: string[];
  line: number;
}

export interface Declared {
  kind: 'param' | 'var' | 'resource' | 'module' | 'output';
  name: string;
  line: number;
}

export interface ModuleCall {
  symbol: string;
  path: string;
  /** Top-level keys of its `params: { … }`. */
  params: string[];
  line: number;
}

export interface ResourceDecl {
  symbol: string;
  type: string;
  apiVersion: string;
  existing: boolean;
  line: number;
}

export interface Output {
  name: string;
  type: string;
  /** The value expression (code view: strings reduced to their interpolations). */
  value: string;
  /** The value as written (strings kept), comments removed. */
  raw: string;
  line: number;
}

export interface BicepFile {
  path: string;
  /** Comments removed (strings kept as written), same length and line breaks as the source. */
  text: string;
  /** Comments removed and every string reduced to its interpolated expressions (`'a${b}c'` → ` (b) `), line breaks kept. */
  code: string;
}

/**
 * Removes comments (blanked); with `maskStrings`, also blanks each string literal except its
 * interpolations, whose `${` and `}` become ` (` and `)`. The result has the source's length and
 * line breaks, so offsets and line numbers are the same in all views.
 */
export function lex(source: string, maskStrings: boolean): string {
  const blank = (s: string): string => s.replace(/[^\n]/g, ' ');

  // The string literal opening at `start`, as the view shows it, and the index after it.
  const readString = (start: number): { text: string; end: number } => {
    if (source.startsWith("'''", start)) {
      const close = source.indexOf("'''", start + 3);
      const end = close < 0 ? source.length : close + 3;
      return { text: maskStrings ? blank(source.slice(start, end)) : source.slice(start, end), end };
    }
    let j = start + 1;
    let masked = ' ';
    while (j < source.length) {
      const c = source[j] ?? '';
      if (c === '\\') {
        masked += blank(source.slice(j, j + 2));
        j += 2;
        continue;
      }
      if (c === "'") {
        masked += ' ';
        j += 1;
        break;
      }
      if (c === '$' && source[j + 1] === '{') {
        // An interpolated expression, which may hold strings and braces of its own.
        masked += ' (';
        let depth = 1;
        let k = j + 2;
        while (k < source.length) {
          const d = source[k] ?? '';
          if (d === "'") {
            const inner = readString(k);
            masked += inner.text;
            k = inner.end;
            continue;
          }
          if (d === '{') depth += 1;
          if (d === '}') depth -= 1;
          k += 1;
          if (depth === 0) {
            masked += ')';
            break;
          }
          masked += d;
        }
        j = k;
        continue;
      }
      masked += c === '\n' ? '\n' : ' ';
      j += 1;
    }
    return { text: maskStrings ? masked : source.slice(start, j), end: j };
  };

  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i] ?? '';
    if (c === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      out += blank(source.slice(i, stop));
      i = stop;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      const stop = close < 0 ? source.length : close + 2;
      out += blank(source.slice(i, stop));
      i = stop;
      continue;
    }
    if (c === "'") {
      const { text, end } = readString(i);
      out += text;
      i = end;
      continue;
    }
    out += c;
    i += 1;
  }
  return out;
}

export function readBicep(path: string): BicepFile {
  const source = readFileSync(path, 'utf8');
  return { path, text: lex(source, false), code: lex(source, true) };
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** The index just past the bracket that closes the one at `open` (`{`, `[` or `(`), in the code view. */
export function matching(code: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  const stack: string[] = [];
  for (let i = open; i < code.length; i += 1) {
    const c = code[i] ?? '';
    if (c in pairs) stack.push(pairs[c] ?? '');
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i + 1;
    }
  }
  throw new Error(`unbalanced bracket at ${open}`);
}

/** Keys of the object literal whose `{` is at `open` in the code view, at its top level only. */
export function objectKeys(code: string, open: number): string[] {
  const end = matching(code, open);
  const keys: string[] = [];
  let depth = 0;
  let previous = '{';
  for (let i = open + 1; i < end - 1; i += 1) {
    const c = code[i] ?? '';
    if ('{[('.includes(c)) depth += 1;
    else if ('}])'.includes(c)) depth -= 1;
    else if (depth === 0 && /[A-Za-z_]/.test(c) && !/[A-Za-z0-9_]/.test(code[i - 1] ?? '')) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(code.slice(i));
      if (match?.[1] !== undefined && (previous === '{' || previous === ',' || previous === '\n')) keys.push(match[1]);
    }
    if (!/[ \t\r]/.test(c)) previous = c;
  }
  return keys;
}

const PARAM = /^[ \t]*param[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+([A-Za-z_][A-Za-z0-9_.]*(?:\[\])?\??)([ \t]*=)?/gm;

export function params(file: BicepFile): Param[] {
  const result: Param[] = [];
  const rawLines = file.text.split('\n');
  for (const match of file.code.matchAll(PARAM)) {
    const line = lineOf(file.code, match.index);
    // Decorators: the lines right above (a multi-line argument continues with items and closing brackets).
    const decorators: string[] = [];
    for (let l = line - 2; l >= 0; l -= 1) {
      const raw = rawLines[l] ?? '';
      if (raw.trim() === '') break;
      const decorator = /^\s*@([A-Za-z]+)/.exec(raw)?.[1];
      if (decorator !== undefined) decorators.push(decorator);
      else if (!/^\s*(['\])]|-?\d)/.test(raw)) break;
    }
    result.push({ name: match[1] ?? '', type: match[2] ?? '', hasDefault: match[3] !== undefined || (match[2] ?? '').endsWith('?'), decorators, line });
  }
  return result;
}

export function declarations(file: BicepFile): Declared[] {
  const result: Declared[] = [];
  for (const match of file.code.matchAll(/^[ \t]*(param|var|resource|module|output)[ \t]+([A-Za-z_][A-Za-z0-9_]*)/gm)) {
    result.push({ kind: match[1] as Declared['kind'], name: match[2] ?? '', line: lineOf(file.code, match.index) });
  }
  return result;
}

export function resources(file: BicepFile): ResourceDecl[] {
  const result: ResourceDecl[] = [];
  for (const match of file.text.matchAll(/^[ \t]*resource[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+'([^'@]+)@([^']+)'[ \t]*(existing)?/gm)) {
    result.push({ symbol: match[1] ?? '', type: match[2] ?? '', apiVersion: match[3] ?? '', existing: match[4] !== undefined, line: lineOf(file.text, match.index) });
  }
  return result;
}

export function moduleCalls(file: BicepFile): ModuleCall[] {
  const result: ModuleCall[] = [];
  for (const match of file.text.matchAll(/^[ \t]*module[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+'([^']+)'[ \t]*=/gm)) {
    const bodyOpen = file.code.indexOf('{', match.index + match[0].length);
    const bodyEnd = matching(file.code, bodyOpen);
    const body = file.code.slice(bodyOpen, bodyEnd);
    const paramsAt = /(^|[\s{,])params\s*:\s*\{/m.exec(body.slice(1));
    const keys = paramsAt === null ? [] : objectKeys(file.code, bodyOpen + 1 + paramsAt.index + paramsAt[0].length - 1);
    result.push({ symbol: match[1] ?? '', path: match[2] ?? '', params: keys, line: lineOf(file.text, match.index) });
  }
  return result;
}

/** Outputs with their value expressions (to the next top-level declaration or decorator). */
export function outputs(file: BicepFile): Output[] {
  const result: Output[] = [];
  const starts = [...file.code.matchAll(/^(?:param|var|resource|module|output|targetScope|@|type|func|import|metadata)/gm)].map((m) => m.index);
  for (const match of file.code.matchAll(/^output[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*=/gm)) {
    const from = match.index + match[0].length;
    const to = starts.find((s) => s > match.index) ?? file.code.length;
    result.push({ name: match[1] ?? '', type: match[2] ?? '', value: file.code.slice(from, to).trim(), raw: file.text.slice(from, to).trim(), line: lineOf(file.code, match.index) });
  }
  return result;
}

/** Keys of `var <name> = … { … }` (the first object literal of its value). */
export function varObjectKeys(file: BicepFile, name: string): string[] | undefined {
  const match = new RegExp(`^var[ \\t]+${name}[ \\t]*=`, 'm').exec(file.code);
  if (match === null) return undefined;
  const end = [...file.code.matchAll(/^(?:param|var|resource|module|output|@)/gm)].map((m) => m.index).find((s) => s > match.index) ?? file.code.length;
  const keys: string[] = [];
  // Every object literal of the value (`cond ? {} : { … }` has two).
  for (let i = match.index + match[0].length; i < end; i += 1) {
    if (file.code[i] !== '{') continue;
    keys.push(...objectKeys(file.code, i));
    i = matching(file.code, i) - 1;
  }
  return keys;
}

const KEYWORDS = new Set([
  'targetScope', 'param', 'var', 'resource', 'module', 'output', 'existing', 'if', 'for', 'in', 'true', 'false', 'null',
  'import', 'type', 'metadata', 'func', 'using', 'with', 'as', 'extension', 'string', 'int', 'bool', 'object', 'array',
  'any', 'az', 'sys', 'resourceInput', 'resourceOutput',
]);

export interface Reference {
  name: string;
  line: number;
}

/** Identifiers used as values: not property names after `.` / `.?`, object keys, function names, decorators or keywords. */
export function identifierReferences(file: BicepFile): Reference[] {
  const code = file.code;
  const found: Reference[] = [];
  for (const m of code.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    const name = m[0];
    const at = m.index;
    const previous = code[at - 1] ?? '';
    if (/[A-Za-z0-9_.@]/.test(previous) || (previous === '?' && code[at - 2] === '.') || KEYWORDS.has(name)) continue;
    const after = code.slice(at + name.length).match(/^\s*(.)/)?.[1];
    if (after === '(') continue;
    const before = code.slice(0, at).match(/(\S)\s*$/)?.[1];
    if (after === ':' && (before === undefined || before === '{' || before === ',' || /\n[ \t]*$/.test(code.slice(0, at)))) continue;
    // The name after a declaration keyword is the declaration itself.
    if (/\b(param|var|resource|module|output)\s+$/.test(code.slice(Math.max(0, at - 12), at))) continue;
    found.push({ name, line: lineOf(code, at) });
  }
  return found;
}

/**
 * References that no declaration, loop variable or lambda parameter of the file names. With
 * the compiler unavailable this is what catches a misspelt parameter or symbol.
 */
export function undeclaredReferences(file: BicepFile): Reference[] {
  const code = file.code;
  const declared = new Set(declarations(file).map((d) => d.name));
  for (const m of code.matchAll(/\bfor\s+(?:\(\s*([A-Za-z_]\w*)\s*,\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))\s+in\b/g)) for (const name of [m[1], m[2], m[3]]) if (name !== undefined) declared.add(name);
  for (const m of code.matchAll(/(?:\(\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*\)|\b([A-Za-z_]\w*))\s*=>/g)) for (const name of (m[1] ?? m[2] ?? '').split(',')) declared.add(name.trim());
  return identifierReferences(file).filter((r) => !declared.has(r.name));
}
