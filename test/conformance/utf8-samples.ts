/**
 * Autobahn|Testsuite cases 6.5.x-6.23.x: the UTF-8 samples of Markus Kuhn's UTF-8-test.txt as
 * Autobahn numbers them (case6_x_x.py: one sub-group per category, starting at 6.5), each with
 * whether it is valid UTF-8 (RFC 3629 §3-4; non-characters are valid, surrogates are not).
 */

const hex = (...parts: string[]): Buffer => Buffer.from(parts.join(''), 'hex');
const bytesFrom = (from: number, to: number, after?: number): Buffer => {
  const out: number[] = [];
  for (let b = from; b < to; b++) out.push(...(after === undefined ? [b] : [b, after]));
  return Buffer.from(out);
};

const kosme = hex('cebae1bdb9cf83cebcceb5'); // κόσμε
const missingLast = ['c0', 'e080', 'f08080', 'f8808080', 'fc80808080', 'df', 'efbf', 'f7bfbf', 'fbbfbfbf', 'fdbfbfbfbf'];

function nonCharacters(): Buffer[] {
  const out = [hex('efbfbe'), hex('efbfbf')];
  for (const z1 of ['f0', 'f1', 'f2', 'f3', 'f4']) {
    for (const z2 of ['8f', '9f', 'af', 'bf']) {
      if (z1 === 'f4' && z2 !== '8f') continue; // above U+10FFFF
      for (const z3 of ['be', 'bf']) {
        if (z1 === 'f0' && z2 === '8f') continue; // overlong
        out.push(hex(z1, z2, 'bf', z3));
      }
    }
  }
  return out;
}

/** [category, samples as [valid, bytes]], in Autobahn's order from 6.5 on. */
const categories: Array<[string, Array<[boolean, Buffer]>]> = [
  ['some valid UTF-8 sequences', [
    [true, Buffer.from('hello$world')], [true, hex('68656c6c6fc2a2776f726c64')], [true, hex('68656c6c6fe282ac776f726c64')],
    [true, hex('68656c6c6ff0a4ada2776f726c64')], [true, kosme],
  ]],
  ['all prefixes of κόσμε', Array.from({ length: kosme.length }, (_, i): [boolean, Buffer] => [[2, 5, 7, 9, 11].includes(i + 1), kosme.subarray(0, i + 1)])],
  ['first possible sequence of each length', [[true, hex('00')], [true, hex('c280')], [true, hex('e0a080')], [true, hex('f0908080')]]],
  ['first possible sequence of length 5/6', [[false, hex('f888808080')], [false, hex('fc8480808080')]]],
  ['last possible sequence of each length', [[true, hex('7f')], [true, hex('dfbf')], [true, hex('efbfbf')], [true, hex('f48fbfbf')]]],
  ['last possible sequence of length 4/5/6', [[false, hex('f7bfbfbf')], [false, hex('fbbfbfbfbf')], [false, hex('fdbfbfbfbfbf')]]],
  ['other boundary conditions', [[true, hex('ed9fbf')], [true, hex('ee8080')], [true, hex('efbfbd')], [true, hex('f48fbfbf')], [false, hex('f4908080')]]],
  ['unexpected continuation bytes', [
    ...['80', 'bf', '80bf', '80bf80', '80bf80bf', '80bf80bf80', '80bf80bf80bf'].map((h): [boolean, Buffer] => [false, hex(h)]),
    [false, bytesFrom(0x80, 0xbf)],
  ]],
  ['lonely start characters', [[0xc0, 0xdf], [0xe0, 0xef], [0xf0, 0xf7], [0xf8, 0xfb], [0xfc, 0xfd]].map(([a, b]): [boolean, Buffer] => [false, bytesFrom(a!, b!, 0x20)])],
  ['sequences with the last continuation byte missing', missingLast.map((h): [boolean, Buffer] => [false, hex(h)])],
  ['concatenation of incomplete sequences', [[false, hex(...missingLast)]]],
  ['impossible bytes', [[false, hex('fe')], [false, hex('ff')], [false, hex('fefeffff')]]],
  ['overlong ASCII character', ['c0af', 'e080af', 'f08080af', 'f8808080af', 'fc80808080af'].map((h): [boolean, Buffer] => [false, hex(h)])],
  ['maximum overlong sequences', ['c1bf', 'e09fbf', 'f08fbfbf', 'f887bfbfbf', 'fc83bfbfbfbf'].map((h): [boolean, Buffer] => [false, hex(h)])],
  ['overlong NUL', ['c080', 'e08080', 'f0808080', 'f880808080', 'fc8080808080'].map((h): [boolean, Buffer] => [false, hex(h)])],
  ['single UTF-16 surrogates', ['eda080', 'edadbf', 'edae80', 'edafbf', 'edb080', 'edbe80', 'edbfbf'].map((h): [boolean, Buffer] => [false, hex(h)])],
  ['paired UTF-16 surrogates', ['eda080edb080', 'eda080edbfbf', 'edadbfedb080', 'edadbfedbfbf', 'edae80edb080', 'edae80edbfbf', 'edafbfedb080', 'edafbfedbfbf'].map((h): [boolean, Buffer] => [false, hex(h)])],
  ['non-character code points (valid UTF-8)', nonCharacters().map((b): [boolean, Buffer] => [true, b])],
  ['Unicode specials', ['efbfb9', 'efbfba', 'efbfbb', 'efbfbc', 'efbfbd', 'efbfbe', 'efbfbf'].map((h): [boolean, Buffer] => [true, hex(h)])],
];

export interface Utf8Sample {
  id: string;
  category: string;
  valid: boolean;
  bytes: Buffer;
}

export const UTF8_SAMPLES: Utf8Sample[] = categories.flatMap(([category, samples], i) =>
  samples.map(([valid, bytes], j) => ({ id: `6.${i + 5}.${j + 1}`, category, valid, bytes })),
);
