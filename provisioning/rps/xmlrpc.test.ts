// The XML-RPC codec: round trips (shared roundTrip helper), the exact compact bytes vendors
// expect, decoding of real-world shapes (declaration, whitespace, bare <value>text</value>,
// faults), and a malformed-input table asserting error codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundTrip } from '../../test/fuzz/codec.ts';
import { callCodec, decodeCallText, decodeResponseText, encodeCallText, encodeResponseText, responseCodec, struct, XmlRpcDateTime } from './xmlrpc.ts';

test('a Snom-style reply is the compact form Falconieri matches with a regex', () => {
  const body = encodeResponseText({ kind: 'params', value: [true, 'Ok'] });
  assert.match(body, /<params><param><value><array><data><value><boolean>(.*)<\/boolean><\/value><value><string>(.*)<\/string><\/value><\/data><\/array><\/value><\/param><\/params>/);
  assert.equal(body, '<?xml version="1.0"?><methodResponse><params><param><value><array><data><value><boolean>1</boolean></value><value><string>Ok</string></value></data></array></value></param></params></methodResponse>');
});

test('a call encodes positional string params', () => {
  assert.equal(encodeCallText({ method: 'redirect.registerPhone', params: ['0004132A0B0C', 'https://pbx.example/prov/{mac}.xml?a=1&b=<2>'] }),
    '<?xml version="1.0"?><methodCall><methodName>redirect.registerPhone</methodName><params><param><value><string>0004132A0B0C</string></value></param>'
    + '<param><value><string>https://pbx.example/prov/{mac}.xml?a=1&amp;b=&lt;2&gt;</string></value></param></params></methodCall>');
});

test('round trips of calls and responses, at an offset, stable', () => {
  const values = [
    { method: 'a.b', params: [] },
    { method: 'redirect.addMaterialServer', params: [['cfgName=AABBCCDDEEFF', 'cfgPfMode=1']] },
    { method: 'x', params: ['', 'é€😀', 'line\r\nbreak', 0, -1, 2147483647, -2147483648, 2 ** 40, 1.5, -0.25, 1e21, true, false, null,
      Buffer.from([0, 1, 2, 255]), new XmlRpcDateTime('19980717T14:08:55'), struct({ a: 1, '__proto__': 'x', 'b c': [struct()] })] },
  ];
  for (const v of values) roundTrip(callCodec, v);
  roundTrip(responseCodec, { kind: 'params', value: [false, 'Error:owned_by_other_user'] });
  roundTrip(responseCodec, { kind: 'fault', faultCode: 4, faultString: 'Too many <params>' });
});

test('decodes what real servers send: declaration, whitespace, bare text values, i4, CDATA, comments', () => {
  const r = decodeResponseText(`<?xml version="1.0" encoding="UTF-8"?>
<!-- hi -->
<methodResponse>
  <params>
    <param>
      <value><array><data>
        <value><boolean>0</boolean></value>
        <value>mac_already_in_use:0004132A0B0C-1A2B</value>
        <value><i4> 42 </i4></value>
        <value><string><![CDATA[a<b&c]]></string></value>
      </data></array></value>
    </param>
  </params>
</methodResponse>`);
  assert.ok(r.ok);
  assert.deepEqual(r.value, { kind: 'params', value: [false, 'mac_already_in_use:0004132A0B0C-1A2B', 42, 'a<b&c'] });
  const f = decodeResponseText('<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>-32601</int></value></member><member><name>faultString</name><value>no such method</value></member></struct></value></fault></methodResponse>');
  assert.deepEqual(f.ok && f.value, { kind: 'fault', faultCode: -32601, faultString: 'no such method' });
  const c = decodeCallText('<methodCall><methodName>autoprov.checkDevice</methodName><params><param><value><string>0004132A0B0C-1A2B</string></value></param></params></methodCall>');
  assert.deepEqual(c.ok && c.value, { method: 'autoprov.checkDevice', params: ['0004132A0B0C-1A2B'] });
});

test('struct member names cannot reach Object.prototype', () => {
  const r = decodeResponseText('<methodResponse><params><param><value><struct><member><name>__proto__</name><value><string>x</string></value></member></struct></value></param></params></methodResponse>');
  assert.ok(r.ok && r.value.kind === 'params');
  const v = r.value.value as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(v), null);
  assert.equal(v['__proto__'], 'x');
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('malformed input: error codes, never a throw', () => {
  const table: [string, string][] = [
    ['', 'XMLRPC_XML'],
    ['not xml', 'XMLRPC_XML'],
    ['<methodResponse>', 'XMLRPC_XML'],
    ['<!DOCTYPE x [<!ENTITY a "aaaa">]><methodResponse/>', 'XMLRPC_XML'],
    ['<methodResponse><params><param><value>&a;</value></param></params></methodResponse>', 'XMLRPC_XML'],
    ['<methodResponse><params><param><value>&#0;</value></param></params></methodResponse>', 'XMLRPC_XML'],
    ['<methodResponse><params><param><value>a & b</value></param></params></methodResponse>', 'XMLRPC_XML'],
    ['<methodResponse></methodResponseX>', 'XMLRPC_XML'],
    ['<a/><b/>', 'XMLRPC_XML'],
    ['<methodCall/>', 'XMLRPC_SHAPE'],
    ['<methodResponse/>', 'XMLRPC_SHAPE'],
    ['<methodResponse><params><param><value><int>1.5</int></value></param></params></methodResponse>', 'XMLRPC_VALUE'],
    ['<methodResponse><params><param><value><int>99999999999</int></value></param></params></methodResponse>', 'XMLRPC_VALUE'],
    ['<methodResponse><params><param><value><boolean>yes</boolean></value></param></params></methodResponse>', 'XMLRPC_VALUE'],
    ['<methodResponse><params><param><value><double>1e999</double></value></param></params></methodResponse>', 'XMLRPC_VALUE'],
    ['<methodResponse><params><param><value><base64>!!</base64></value></param></params></methodResponse>', 'XMLRPC_VALUE'],
    ['<methodResponse><params><param><value><blob/></value></param></params></methodResponse>', 'XMLRPC_VALUE'],
    ['<methodResponse><params><param><value><string>a</string><string>b</string></value></param></params></methodResponse>', 'XMLRPC_SHAPE'],
    ['<methodResponse><params><param><value>x<string>a</string></value></param></params></methodResponse>', 'XMLRPC_SHAPE'],
    ['<methodResponse><params><param><value><int>1</int></value></param><param><value><int>2</int></value></param></params></methodResponse>', 'XMLRPC_SHAPE'],
    ['<methodResponse><fault><value><string>x</string></value></fault></methodResponse>', 'XMLRPC_SHAPE'],
    ['<methodResponse><params><param><value><array><data><x/></data></array></value></param></params></methodResponse>', 'XMLRPC_SHAPE'],
    ['<methodResponse>' + '<a>'.repeat(100) + '</a>'.repeat(100) + '</methodResponse>', 'XMLRPC_XML'],
  ];
  for (const [input, code] of table) {
    const r = decodeResponseText(input);
    assert.equal(r.ok, false, `accepted: ${input.slice(0, 80)}`);
    assert.equal(!r.ok && r.error.code, code, `code for ${input.slice(0, 80)}: ${!r.ok && r.error.message}`);
  }
  const big = responseCodec.decode(Buffer.alloc((1 << 20) + 1, 0x20));
  assert.equal(!big.ok && big.error.code, 'XMLRPC_TOO_LARGE');
  const badUtf8 = responseCodec.decode(Buffer.from([0x3c, 0x61, 0xff, 0x2f, 0x3e]));
  assert.equal(!badUtf8.ok && badUtf8.error.code, 'XMLRPC_XML');
});

test('hostile sizes are bounded: 100k nested arrays and long entity runs stay fast', () => {
  const t0 = performance.now();
  const deep = '<methodResponse><params><param>' + '<value><array><data>'.repeat(30000) + '</data></array></value>'.repeat(30000) + '</param></params></methodResponse>';
  assert.equal(decodeResponseText(deep).ok, false);
  const ents = '<methodResponse><params><param><value>' + '&amp;'.repeat(150000) + '</value></param></params></methodResponse>';
  const r = decodeResponseText(ents);
  assert.ok(r.ok && r.value.kind === 'params' && (r.value.value as string).length === 150000);
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
});
