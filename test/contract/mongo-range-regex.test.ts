/**
 * The range-to-regex construction of the MongoDB index (storage/mongo/range-regex.ts),
 * checked exhaustively on short strings against plain code point comparison.
 * No server needed: the regex is run by JavaScript after swapping the two
 * PCRE/RE2 spellings JavaScript lacks (\x{…} → \u{…} with the u flag, \z → $).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeRegex, rangeRegex } from '../../storage/mongo/range-regex.js';

const ALPHABET = ['', '0', '1', '9', '.', '=', 'A', 'a', 'é', '😀', '\u{10FFFF}', '\n', ']', '\\'];

/** Every string of up to 3 characters over the alphabet. */
function strings(): string[] {
  const out = new Set<string>(['']);
  for (const a of ALPHABET) for (const b of ALPHABET) for (const c of ALPHABET) out.add(a + b + c);
  return [...out];
}

function compare(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function toJs(body: string): RegExp {
  return new RegExp(`^${body.replace(/\\x\{/g, '\\u{')}$`, 'u');
}

test('rangeRegex matches exactly the strings between its bounds (code point order)', () => {
  const all = strings();
  const bounds = all.filter((_, i) => i % 149 === 0).concat(['', '0', '1', '9.', 'A.a']);
  for (const from of [undefined, ...bounds]) {
    for (const to of [undefined, ...bounds]) {
      const body = rangeRegex(from, to);
      if (from !== undefined && to !== undefined && compare(from, to) > 0) {
        assert.equal(body, undefined, `[${from}, ${to}] is empty`);
        continue;
      }
      assert.ok(body !== undefined);
      const re = toJs(body);
      for (const s of all) {
        const want = (from === undefined || compare(s, from) >= 0) && (to === undefined || compare(s, to) <= 0);
        assert.equal(re.test(s), want, `${JSON.stringify(s)} in [${JSON.stringify(from)}, ${JSON.stringify(to)}] via /${body}/`);
      }
    }
  }
});

test('escapeRegex leaves no metacharacter active', () => {
  const nasty = 'a.b*c+d?e(f)g[h]i{2}j|k^l$m\\n';
  assert.ok(toJs(escapeRegex(nasty)).test(nasty));
  assert.ok(!toJs(escapeRegex(nasty)).test(nasty.replace('.', 'X')));
});
