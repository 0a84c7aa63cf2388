/** The small Bicep reader the infra checks rely on: comments, strings and interpolation. */
import { describe, expect, it } from 'vitest';
import { lex, objectKeys, undeclaredReferences, type BicepFile } from './bicep.js';

function file(source: string): BicepFile {
  return { path: 'inline.bicep', text: lex(source, false), code: lex(source, true) };
}

describe('Bicep lexing', () => {
  it('blanks comments and strings but keeps interpolations, lengths and line breaks', () => {
    const source = "var a = 'x${b}y' // c ${d}\nvar e = '''\nraw ${no}\n''' /* f\n g */ + 'q\\'s${ h('i') }'\n";
    const code = lex(source, true);
    const text = lex(source, false);
    expect(code).toHaveLength(source.length);
    expect(text).toHaveLength(source.length);
    expect(code.split('\n')).toHaveLength(source.split('\n').length);
    expect(code).toContain(' (b) ');
    expect(code).toContain('h(   )');
    expect(code).not.toMatch(/\bno\b|\bc\b|\bf\b|\bi\b|\braw\b/);
    expect(text).toContain("'x${b}y'");
    expect(text).not.toContain('// c');
  });

  it('finds top-level object keys only, inline and one per line', () => {
    const f = file("var o = {\n  a: 1\n  b: { c: 2, d: [ { e: 3 } ] }\n  'quoted': x ? y : z\n  f: g\n}\n");
    expect(objectKeys(f.code, f.code.indexOf('{'))).toEqual(['a', 'b', 'f']);
  });

  it('reports identifiers nothing declares, and not keys, properties, functions or loop variables', () => {
    const f = file(
      [
        'param used string',
        "var list = [for (item, i) in range(0, 2): { name: '${used}-${item}-${i}' }]",
        'var mapped = map(list, entry => entry.name)',
        'resource r \'Microsoft.Storage/storageAccounts@2025-08-01\' existing = { name: used }',
        'output o string = r.properties.primaryEndpoints.blob',
        "output bad string = '${misspelt}'",
        'output alsoBad bool = mapped == unknownThing',
      ].join('\n'),
    );
    expect(undeclaredReferences(f).map((r) => r.name)).toEqual(['misspelt', 'unknownThing']);
  });
});
