// Fetch security parsers: the Authorization header (Digest and Basic), the User-Agent MAC, the
// phonebook file name, and the resync answer reader. Properties: nothing throws; what is
// accepted is within the documented bounds; a Digest accepted is re-serialisable and reads back
// the same; a MAC found is canonical.
import assert from 'node:assert/strict';
import { MAX_VALUE, parseAuthParams, parseAuthorization } from '../../../net/http/auth-digest.ts';
import { macFromUserAgent } from '../../../net/http/auth-ua.ts';
import { readAnswer } from '../../../net/sip/resync.ts';
import { parsePhonebookName } from '../../../provisioning/phonebook-render.ts';
import type { FuzzTarget } from '../target.ts';

const lat = (s: string): Buffer => Buffer.from(s, 'latin1');

const seeds = [
  lat('Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe"'),
  lat('Digest username="phones", realm="pbx-agent", nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", uri="/provisioning/001565aabbcc.cfg", qop=auth, nc=0000000a, cnonce="x", response="8ca523f5e9506fed4657c9700eebdbec"'),
  lat(`Basic ${Buffer.from('phones:correct horse').toString('base64')}`),
  lat('Yealink SIP-T46S 66.86.0.15 80:5e:c0:12:34:56'),
  lat('Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 010.1.33.33 000413A1B2C3)'),
  lat('pb-t4xg-1213.xml'),
  lat('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:40000;branch=z9hG4bKabc\r\nCall-ID: cid\r\nCSeq: 1 NOTIFY\r\nContent-Length: 0\r\n\r\n'),
];

const dictionary = [
  'Digest ', 'Basic ', 'username=', 'realm=', 'nonce=', 'uri=', 'response=', 'qop=auth', 'nc=', 'cnonce=', 'algorithm=MD5',
  'algorithm=SHA-256', 'userhash=true', 'opaque=', '"', '\\', ',', ', ', '=', ' ', '\t', 'Yealink ', 'snom', 'Fanvil ', '00:15:65:',
  '805ec0', 'pb-', '-1.xml', 't4x', 'SIP/2.0 ', 'CSeq: 1 NOTIFY', 'Call-ID: cid', '\r\n',
].map(lat);

export const target: FuzzTarget = {
  name: 'fetch-security',
  seeds,
  dictionary,
  maxLength: 6000,
  run(input: Buffer): boolean {
    const text = input.toString('latin1');
    let accepted = false;
    const r = parseAuthorization(text);
    if (r.ok) {
      accepted = true;
      if (r.value.scheme === 'digest') {
        const c = r.value.credentials;
        for (const v of [c.username, c.realm, c.nonce, c.uri, c.cnonce]) assert.ok(v.length <= MAX_VALUE);
        assert.ok(c.nc >= 0 && c.nc <= 0xffffffff);
        assert.ok(/^[0-9a-f]+$/.test(c.response));
        // Re-serialised with quoting, it reads back the same.
        const q = (s: string) => `"${s.replace(/["\\]/g, (x) => `\\${x}`)}"`;
        const again = parseAuthorization(`Digest username=${q(c.username)}, realm=${q(c.realm)}, nonce=${q(c.nonce)}, uri=${q(c.uri)}, response=${q(c.response)}, algorithm=${c.algorithm}, qop=auth, nc=${c.nc.toString(16).padStart(8, '0')}, cnonce=${q(c.cnonce)}`);
        assert.ok(again.ok && again.value.scheme === 'digest');
        assert.deepEqual({ ...again.value.credentials, opaque: undefined }, { ...c, opaque: undefined });
      }
    } else {
      assert.equal(typeof r.code, 'string');
    }
    const p = parseAuthParams(text);
    if (p instanceof Map) for (const v of p.values()) assert.ok(v.length <= MAX_VALUE);
    const mac = macFromUserAgent(text);
    if (mac !== undefined) { assert.match(mac, /^[0-9a-f]{12}$/); accepted = true; }
    const pb = parsePhonebookName(text);
    if (pb) { assert.ok(Number.isSafeInteger(pb.id) && pb.id > 0); accepted = true; }
    const ans = readAnswer(input, 'cid');
    if (ans) { assert.ok(ans.status >= 100 && ans.status <= 699); accepted = true; }
    return accepted;
  },
};
