import { type QueryFailure, invalidQuery } from './errors.js';

/**
 * The three Resource Graph queries the sandbox answers, read strictly: a tokenizer and one
 * fixed grammar per table, no KQL engine. Whitespace (including line breaks) between tokens
 * and the case of the table name and keywords are free; everything else — column names and
 * their order, the operator, the quoting — is exactly as below:
 *
 *   resources | where type =~ '<type>' | project id, name, type, location, resourceGroup, subscriptionId, kind, sku, identity, tags, properties | order by id asc
 *   authorizationresources | where type =~ 'microsoft.authorization/roleassignments' | project id, name, type, properties | order by id asc
 *   resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project id, subscriptionId, name | order by id asc
 *
 * Anything else is refused with ARG's `InvalidQuery` / `ParserFailure` answer.
 */

export type ResourceGraphTable = 'resources' | 'authorizationresources' | 'resourcecontainers';

/** A query the sandbox answers. */
export interface ResourceGraphQuery {
  readonly table: ResourceGraphTable;
  /** The `type =~` operand, lower-cased (`=~` compares case-insensitively). */
  readonly type: string;
  readonly columns: readonly string[];
}

interface TableShape {
  readonly columns: readonly string[];
  /** The only type the sandbox models in this table; undefined: any type (it matches what it matches). */
  readonly onlyType?: string;
}

export const TABLE_SHAPES: Readonly<Record<ResourceGraphTable, TableShape>> = {
  resources: {
    columns: ['id', 'name', 'type', 'location', 'resourceGroup', 'subscriptionId', 'kind', 'sku', 'identity', 'tags', 'properties'],
  },
  // ARG holds role definitions and more in this table; the sandbox only role assignments.
  authorizationresources: { columns: ['id', 'name', 'type', 'properties'], onlyType: 'microsoft.authorization/roleassignments' },
  // ARG holds resource groups here too; the sandbox only subscriptions.
  resourcecontainers: { columns: ['id', 'subscriptionId', 'name'], onlyType: 'microsoft.resources/subscriptions' },
};

type TokenKind = 'identifier' | 'string' | 'operator' | 'punctuation' | 'end';

interface Token {
  readonly kind: TokenKind;
  /** As written; for strings the text between the quotes. */
  readonly text: string;
  /** The token as it appears in the query, for error details. */
  readonly raw: string;
  readonly line: number;
  readonly column: number;
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const OPERATOR = /[=!<>~]+/y;

/** Splits the text; an unterminated string or a character no token starts with ends it as a failure. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  while (i < text.length) {
    const char = text[i] ?? '';
    if (char === '\n') {
      line += 1;
      i += 1;
      lineStart = i;
      continue;
    }
    if (/\s/.test(char)) {
      i += 1;
      continue;
    }
    const column = i - lineStart;
    const at = (kind: TokenKind, raw: string, value = raw): void => {
      tokens.push({ kind, text: value, raw, line, column });
      i += raw.length;
    };
    IDENTIFIER.lastIndex = i;
    OPERATOR.lastIndex = i;
    const identifier = IDENTIFIER.exec(text)?.[0];
    const operator = OPERATOR.exec(text)?.[0];
    if (identifier !== undefined) at('identifier', identifier);
    else if (operator !== undefined) at('operator', operator);
    else if (char === '|' || char === ',') at('punctuation', char);
    else if (char === "'") {
      const end = text.indexOf("'", i + 1);
      const body = end < 0 ? undefined : text.slice(i + 1, end);
      // KQL's escapes and multi-line strings are more than the sandbox's shapes need.
      if (body === undefined || /[\\\n\r]/.test(body)) {
        throw invalidQuery({ line, characterPositionInLine: column, token: text.slice(i, end < 0 ? undefined : end + 1), expectedToken: "a single-quoted string without escapes" });
      }
      at('string', `'${body}'`, body);
    } else {
      // Anything else (double quotes, digits, parentheses, comments) is no token of the sandbox's grammar.
      at('punctuation', char);
    }
  }
  tokens.push({ kind: 'end', text: '', raw: '<EOF>', line, column: i - lineStart });
  return tokens;
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private get current(): Token {
    // tokenize always ends with an `end` token, and the parser never moves past it.
    return this.tokens[this.index] ?? (this.tokens.at(-1) as Token);
  }

  fail(expected: string, token: Token = this.current): never {
    const failure: QueryFailure = { line: token.line, characterPositionInLine: token.column, token: token.raw, expectedToken: expected };
    throw invalidQuery(failure);
  }

  /** A keyword or table name: case-insensitive. */
  keyword(word: string): void {
    const token = this.current;
    if (token.kind !== 'identifier' || token.text.toLowerCase() !== word) this.fail(`'${word}'`);
    this.index += 1;
  }

  /** A column name: exactly as written (KQL column names are case-sensitive). */
  column(name: string): void {
    const token = this.current;
    if (token.kind !== 'identifier' || token.text !== name) this.fail(`'${name}'`);
    this.index += 1;
  }

  exact(kind: TokenKind, text: string): void {
    const token = this.current;
    if (token.kind !== kind || token.text !== text) this.fail(`'${text}'`);
    this.index += 1;
  }

  table(): ResourceGraphTable {
    const token = this.current;
    const name = token.kind === 'identifier' ? token.text.toLowerCase() : '';
    if (!(name in TABLE_SHAPES)) this.fail(Object.keys(TABLE_SHAPES).map((table) => `'${table}'`).join(' or '));
    this.index += 1;
    return name as ResourceGraphTable;
  }

  string(): { value: string; token: Token } {
    const token = this.current;
    if (token.kind !== 'string') this.fail("a single-quoted string");
    this.index += 1;
    return { value: token.text, token };
  }

  end(): void {
    if (this.current.kind !== 'end') this.fail('<EOF>');
  }
}

/** Reads one of the three supported queries; throws ARG's `InvalidQuery` answer for anything else. */
export function parseQuery(text: string): ResourceGraphQuery {
  const parser = new Parser(tokenize(text));
  const table = parser.table();
  const shape = TABLE_SHAPES[table];
  parser.exact('punctuation', '|');
  parser.keyword('where');
  parser.column('type');
  parser.exact('operator', '=~');
  const { value, token } = parser.string();
  const type = value.toLowerCase();
  if (shape.onlyType !== undefined && type !== shape.onlyType) parser.fail(`'${shape.onlyType}'`, token);
  parser.exact('punctuation', '|');
  parser.keyword('project');
  shape.columns.forEach((column, index) => {
    if (index > 0) parser.exact('punctuation', ',');
    parser.column(column);
  });
  parser.exact('punctuation', '|');
  parser.keyword('order');
  parser.keyword('by');
  parser.column('id');
  parser.keyword('asc');
  parser.end();
  return { table, type, columns: shape.columns };
}
