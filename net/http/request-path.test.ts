import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestPath, MAX_TARGET_LENGTH } from './request-path.ts';
import { isNotModified, quoteEtag } from './conditional.ts';

const P = '/provisioning';

test('paths under the prefix are stripped and decoded once', () => {
  const ok: Array<[string, string]> = [
    ['/provisioning/y000000000028.cfg', 'y000000000028.cfg'],
    ['/provisioning/001565aabbcc.cfg?x=1#f', '001565aabbcc.cfg'],
    ['/provisioning/3f2b6a1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b/y0.cfg', '3f2b6a1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b/y0.cfg'],
    ['/provisioning/a%20b.cfg', 'a b.cfg'],
    ['/provisioning/%252e%252e/x', '%2e%2e/x'],          // decoded once only: a literal name
    ['/provisioning//fw//t46.rom', 'fw/t46.rom'],         // doubled slashes collapse
    ['http://10.99.0.1:8080/provisioning/a.cfg', 'a.cfg'], // absolute-form
    ['/provisioning/..a/b..', '..a/b..'],                  // dots inside a segment are a name
  ];
  for (const [target, path] of ok) assert.deepEqual(parseRequestPath(target, P), { ok: true, path }, target);
});

test('hostile or malformed names are 400 before any lookup', () => {
  const bad: Array<[string, RegExp]> = [
    ['/provisioning/../etc/passwd', /'\.\.' segment/],
    ['/provisioning/a/../../etc/passwd', /'\.\.' segment/],
    ['/provisioning/%2e%2e/etc/passwd', /'\.\.' segment/],
    ['/provisioning/%2e%2e%2fetc%2fpasswd', /'\.\.' segment/],
    ['/provisioning/./a', /'\.' segment/],
    ['/provisioning/a%00.cfg', /NUL/],
    ['/provisioning/a%0d%0a.cfg', /control/],
    ['/provisioning/..%5c..%5cwindows', /backslash/],
    ['/provisioning/a\\b', /backslash/],
    ['/provisioning/%zz', /malformed/],
    ['/provisioning/%c3', /malformed/],
    ['/provisioning/' + 'a'.repeat(600), /longer than 512/],
    ['/' + 'a'.repeat(MAX_TARGET_LENGTH), /target longer/],
  ];
  for (const [target, re] of bad) {
    const r = parseRequestPath(target, P);
    assert.equal(r.ok, false, target);
    if (!r.ok) {
      assert.equal(r.status, 400, target);
      assert.match(r.detail, re, target);
    }
  }
});

test('anything outside the prefix is 404', () => {
  for (const t of ['/', '/provisioning', '/provisioningX/a.cfg', '/%2fprovisioning/a.cfg', '/etc/passwd', '*', '/provisioning/', '/provisioning//']) {
    const r = parseRequestPath(t, P);
    assert.equal(r.ok, false, t);
    if (!r.ok) assert.equal(r.status, 404, t);
  }
});

test('entity tags are quoted and compared weakly; If-None-Match beats If-Modified-Since', () => {
  assert.equal(quoteEtag('abc'), '"abc"');
  assert.equal(quoteEtag('"abc"'), '"abc"');
  assert.equal(quoteEtag('W/"abc"'), 'W/"abc"');
  assert.equal(quoteEtag('a"b c'), '"abc"');
  const lm = new Date('2026-01-02T03:04:05.678Z');
  assert.equal(isNotModified({ ifNoneMatch: '"abc"' }, 'abc', lm), true);
  assert.equal(isNotModified({ ifNoneMatch: 'W/"abc"' }, 'abc', lm), true);
  assert.equal(isNotModified({ ifNoneMatch: '"x", "abc"' }, 'abc', lm), true);
  assert.equal(isNotModified({ ifNoneMatch: '*' }, 'abc', lm), true);
  assert.equal(isNotModified({ ifNoneMatch: '"x"' }, 'abc', lm), false);
  assert.equal(isNotModified({ ifModifiedSince: lm.toUTCString() }, 'abc', lm), true);
  assert.equal(isNotModified({ ifModifiedSince: new Date(lm.getTime() - 1000).toUTCString() }, 'abc', lm), false);
  assert.equal(isNotModified({ ifModifiedSince: 'yesterday' }, 'abc', lm), false);
  assert.equal(isNotModified({ ifNoneMatch: '"x"', ifModifiedSince: lm.toUTCString() }, 'abc', lm), false);
});
