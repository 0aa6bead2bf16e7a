// XML-RPC (provisioning/rps/xmlrpc.ts): vendor replies are untrusted. Properties: decoding never
// throws; an accepted document round-trips (encode -> decode gives the value back, stable
// bytes); the client-side reading of a [boolean, message] pair and the error mapping never throw.
import assert from 'node:assert/strict';
import { statusPair } from '../../../provisioning/rps/clients/xmlrpc-call.ts';
import { mapProviderMessage, RpsError } from '../../../provisioning/rps/errors.ts';
import { callCodec, encodeCallText, encodeResponseText, responseCodec } from '../../../provisioning/rps/xmlrpc.ts';
import { roundTrip } from '../codec.ts';
import type { FuzzTarget } from '../target.ts';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

const seeds = [
  b(encodeResponseText({ kind: 'params', value: [true, 'Ok'] })),
  b(encodeResponseText({ kind: 'params', value: [false, 'Error:owned_by_other_user'] })),
  b(encodeResponseText({ kind: 'fault', faultCode: -32601, faultString: 'no such method' })),
  b('<?xml version="1.0"?>\n<methodResponse>\n <params><param><value><array><data><value><boolean>0</boolean></value><value>mac_not_found:0004132A0B0C</value></data></array></value></param></params>\n</methodResponse>\n'),
  b('<methodResponse><params><param><value><struct><member><name>a</name><value><i4>1</i4></value></member><member><name>b</name><value><double>-1.5e3</double></value></member></struct></value></param></params></methodResponse>'),
  b('<methodResponse><params><param><value><base64>AAEC</base64></value></param></params></methodResponse>'),
  b('<methodResponse><params><param><value><dateTime.iso8601>19980717T14:08:55</dateTime.iso8601></value></param></params></methodResponse>'),
  b(encodeCallText({ method: 'redirect.addMaterialServer', params: [['cfgName=AABBCCDDEEFF', 'cfgPfSrv=pbx:80']] })),
  b('<methodCall><methodName>redirect.registerPhone</methodName><params><param><value><string>0004132A0B0C</string></value></param><param><value><string>https://x/&amp;&#x41;&#65;<![CDATA[<]]></string></value></param></params></methodCall>'),
  // Long text content: most mutations inside it keep the document valid, so the decoder's
  // value paths (not only its error paths) get exercised.
  b(encodeResponseText({ kind: 'params', value: [false, 'Error:The url can only begin with http or https or ftp or tftp; mac_not_found:0004132A0B0C url_invalid:x'] })),
  b(`<methodResponse><params><param><value>${'plain text value with words and digits 0123456789 '.repeat(4)}</value></param></params></methodResponse>`),
  b(`<methodCall><methodName>autoprov.registerDevice</methodName><params><param><value><string>${'7C2F80AABBCC-3F9K https://pbx.example.com/provisioning/ '.repeat(3)}</string></value></param></params></methodCall>`),
];

const dictionary = [
  '<value>', '</value>', '<string>', '</string>', '<boolean>', '</boolean>', '<int>', '</int>', '<i4>', '<i8>', '<double>', '<array>',
  '<data>', '</data>', '</array>', '<struct>', '<member>', '<name>', '</name>', '</member>', '</struct>', '<nil/>', '<base64>',
  '<fault>', '<params>', '<param>', '</param>', '</params>', '<methodResponse>', '</methodResponse>', '<methodCall>', '<methodName>',
  '&amp;', '&lt;', '&#x', '&#', ';', '<![CDATA[', ']]>', '<!--', '-->', '<?xml version="1.0"?>', '<!DOCTYPE', '"', "'", '=', '/>',
  '1', '0', '-', '.', 'e', '__proto__', 'constructor', 'Error:', 'owned_by_other_user', 'mac_already_in_use:',
].map(b);

export const targets: FuzzTarget[] = [{
  name: 'xmlrpc',
  seeds,
  dictionary,
  maxLength: 4096,
  run(input: Buffer): boolean {
    let accepted = false;
    const r = responseCodec.decode(input);
    if (r.ok) {
      accepted = true;
      roundTrip(responseCodec, r.value);
      if (r.value.kind === 'params') {
        try {
          const p = statusPair(r.value.value, 'fuzz');
          assert.ok(mapProviderMessage(p.message) instanceof RpsError);
        } catch (e) {
          assert.ok(e instanceof RpsError, `statusPair threw ${String(e)}`);
        }
      }
    } else assert.equal(typeof r.error.code, 'string');
    const c = callCodec.decode(input);
    if (c.ok) {
      accepted = true;
      roundTrip(callCodec, c.value);
    }
    return accepted;
  },
}];
