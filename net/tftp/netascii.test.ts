import { test } from 'node:test';
import assert from 'node:assert/strict';
import { netasciiLength, toNetascii } from './netascii.ts';
import { checkRequestName } from './names.ts';

test('netascii: LF -> CR LF, CR -> CR NUL, length announced matches', () => {
  const src = Buffer.from('a\nb\r\nc\rd');
  const out = toNetascii(src);
  assert.deepEqual(out, Buffer.from('a\r\nb\r\0\r\nc\r\0d'));
  assert.equal(netasciiLength(src), out.length);
  assert.deepEqual(toNetascii(Buffer.alloc(0)), Buffer.alloc(0));
});

test('request names: one leading slash stripped; traversal, backslash, absolute refused', () => {
  assert.deepEqual(checkRequestName('/y0000.cfg'), { ok: true, path: 'y0000.cfg' });
  assert.deepEqual(checkRequestName('tenant/a.cfg'), { ok: true, path: 'tenant/a.cfg' });
  assert.deepEqual(checkRequestName('a..b/c..'), { ok: true, path: 'a..b/c..' });
  for (const bad of ['../etc/passwd', '/../etc/passwd', 'a/b/../../../x', 'a/..', '..', '..\\..\\etc\\passwd', 'a\\b', '//etc/passwd', '/', '']) {
    assert.equal(checkRequestName(bad).ok, false, bad);
  }
});
