// Digest/Basic codec: RFC 7616 section 3.9.1 vectors, the parser's malformed-input table (by
// error code), and the challenges.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildChallenges, digestResponse, ha1, parseAuthParams, parseAuthorization, sameHex, type AuthErrorCode } from './auth-digest.ts';

// RFC 7616 3.9.1: user Mufasa, password "Circle of Life", GET /dir/index.html.
const RFC = {
  realm: 'http-auth@example.org', nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', uri: '/dir/index.html', nc: 1,
};

describe('Digest arithmetic (RFC 7616 3.9.1)', () => {
  it('MD5 and SHA-256 responses match the RFC', () => {
    assert.equal(digestResponse('MD5', ha1('MD5', 'Mufasa', RFC.realm, 'Circle of Life'), 'GET', RFC), '8ca523f5e9506fed4657c9700eebdbec');
    assert.equal(digestResponse('SHA-256', ha1('SHA-256', 'Mufasa', RFC.realm, 'Circle of Life'), 'GET', RFC),
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });
  it('parses the RFC Authorization header', () => {
    const h = `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="${RFC.nonce}", nc=00000001, cnonce="${RFC.cnonce}", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;
    const r = parseAuthorization(h);
    assert.ok(r.ok && r.value.scheme === 'digest');
    const c = r.value.credentials;
    assert.deepEqual([c.username, c.realm, c.uri, c.algorithm, c.nc, c.qop], ['Mufasa', RFC.realm, '/dir/index.html', 'SHA-256', 1, 'auth']);
    assert.equal(c.opaque, 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
  });
  it('sameHex compares ignoring case, and never equal across lengths', () => {
    assert.equal(sameHex('ABcd', 'abCD'), true);
    assert.equal(sameHex('abcd', 'abc'), false);
  });
});

describe('parseAuthorization', () => {
  const digest = (extra: string) => `Digest username="u", realm="r", nonce="n", uri="/x", response="${'a'.repeat(32)}", qop=auth, nc=00000001, cnonce="c"${extra}`;
  it('reads quoted-strings with escapes and odd spacing', () => {
    const p = parseAuthParams(' a = "x\\"y" ,b=tok ,, c="d, e"');
    assert.ok(p instanceof Map);
    assert.deepEqual([...p], [['a', 'x"y'], ['b', 'tok'], ['c', 'd, e']]);
  });
  it('Basic: user and password (password may hold colons)', () => {
    const r = parseAuthorization(`Basic ${Buffer.from('phones:pa:ss').toString('base64')}`);
    assert.ok(r.ok && r.value.scheme === 'basic');
    assert.deepEqual([r.value.username, r.value.password], ['phones', 'pa:ss']);
  });
  it('other schemes are reported, not failed', () => {
    const r = parseAuthorization('Bearer abc.def');
    assert.ok(r.ok && r.value.scheme === 'other' && r.value.name === 'bearer');
  });
  const table: Array<[string, string, AuthErrorCode]> = [
    ['empty', '', 'MALFORMED'],
    ['too long', `Digest ${'x'.repeat(5000)}`, 'TOO_LONG'],
    ['control char', 'Digest username="a\u0001"', 'MALFORMED'],
    ['no =', 'Digest username', 'MALFORMED'],
    ['unterminated quote', 'Digest username="abc', 'MALFORMED'],
    ['duplicate param', digest(', username="v"'), 'DUPLICATE_PARAM'],
    ['missing response', 'Digest username="u", realm="r", nonce="n", uri="/x"', 'MISSING_PARAM'],
    ['no qop (RFC 2069)', 'Digest username="u", realm="r", nonce="n", uri="/x", response="' + 'a'.repeat(32) + '"', 'MISSING_PARAM'],
    ['qop auth-int', digest('').replace('qop=auth', 'qop=auth-int'), 'UNSUPPORTED'],
    ['MD5-sess', digest(', algorithm=MD5-sess'), 'UNSUPPORTED'],
    ['userhash', digest(', userhash=true'), 'UNSUPPORTED'],
    ['nc not hex', digest('').replace('nc=00000001', 'nc=1'), 'MALFORMED'],
    ['response wrong length', digest('').replace('a'.repeat(32), 'a'.repeat(31)), 'MALFORMED'],
    ['SHA-256 response of MD5 length', digest(', algorithm=SHA-256'), 'MALFORMED'],
    ['basic not base64', 'Basic ###', 'MALFORMED'],
    ['basic without colon', `Basic ${Buffer.from('nocolon').toString('base64')}`, 'MALFORMED'],
    ['too many params', `Digest ${Array.from({ length: 40 }, (_, i) => `p${i}=1`).join(', ')}`, 'MALFORMED'],
  ];
  for (const [name, header, code] of table) {
    it(`refuses: ${name} (${code})`, () => {
      const r = parseAuthorization(header);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.code, code, r.message);
    });
  }
});

describe('buildChallenges', () => {
  it('one Digest challenge per algorithm in order, stale and Basic when asked, quotes escaped', () => {
    const c = buildChallenges({ realm: 'a"b', nonce: 'N', opaque: 'O', algorithms: ['MD5', 'SHA-256'], stale: true, basic: true });
    assert.equal(c.length, 3);
    assert.equal(c[0], 'Digest realm="a\\"b", qop="auth", algorithm=MD5, nonce="N", opaque="O", stale=true');
    assert.match(c[1]!, /algorithm=SHA-256/);
    assert.equal(c[2], 'Basic realm="a\\"b", charset="UTF-8"');
    // What we send, we can read back.
    const back = parseAuthParams(c[0]!.slice('Digest '.length));
    assert.ok(back instanceof Map && back.get('realm') === 'a"b');
  });
});
