// SIP: the message codec (net/sip/message.ts), the header grammars, device identification and
// the PnP handler. Properties: nothing throws; an accepted message round-trips; whatever the
// handler answers (200 OK and NOTIFY built from hostile input) decodes again and keeps the
// SUBSCRIBE's Call-ID.
import assert from 'node:assert/strict';
import {
  decode, encode, encodeInto, encodingLength, getHeader, getHeaders, parseCSeq, parseEvent, parseNameAddr, parseUri, parseVia,
} from '../../../net/sip/message.ts';
import { identify } from '../../../net/sip/pnp-device.ts';
import { handleSubscribe, subscribeKey } from '../../../net/sip/pnp-handler.ts';
import { DEFAULT_TEMPLATES, pnpUrl } from '../../../net/sip/pnp-url.ts';
import { SAMPLES } from '../../pnp/samples.ts';
import { roundTrip } from '../codec.ts';
import type { FuzzTarget } from '../target.ts';

const codec = { decode, encode, encodeInto, encodingLength };
const lat = (s: string): Buffer => Buffer.from(s, 'latin1');

const seeds = [
  ...SAMPLES.map((s) => s.bytes),
  lat('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.99.0.1:40000;branch=z9hG4bKabc;rport\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 NOTIFY\r\nContent-Length: 0\r\n\r\n'),
  lat('NOTIFY sip:10.0.0.2:5060 SIP/2.0\nv: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1\nf: <sip:x@y>;tag=a\nt: <sip:x@y>\ni: c\nCSeq: 1 NOTIFY\no: ua-profile\nc: application/url\nl: 16\n\nhttp://10.0.0.1/'),
  lat('SUBSCRIBE sip:mac:00-15-65-aa-bb-cc@224.0.1.75 SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4:5060, SIP/2.0/TCP 5.6.7.8\r\nFrom: "A, \\"B\\"" <sip:1@h>;tag=x\r\nTo: sip:2@h\r\nCall-ID: y\r\nCSeq: 7 SUBSCRIBE\r\nEvent: ua-profile;mac=0015657322ff\r\nContact: <sip:1.2.3.4>\r\n Continued\r\n\r\n'),
];

const dictionary = [
  'SUBSCRIBE', 'NOTIFY', 'SIP/2.0', 'SIP/2.0/UDP', ' 200 OK', '\r\n', '\n', '\r\n\r\n', ': ', ';', ',', '"', '<', '>', '@', '=',
  'sip:', 'MAC%3a', 'MAC%3A', 'MAC=', 'MAC', '001565f4f9e1', '00:15:65:F4:F9:E1', ';branch=z9hG4bK', ';rport', ';tag=', ';received=',
  'Via', 'v', 'From', 'f', 'To', 't', 'Call-ID', 'i', 'CSeq', 'Contact', 'm', 'Event', 'o', 'Content-Length', 'l', 'User-Agent',
  'ua-profile', 'vendor=', 'model=', 'OEM', '224.0.1.75', ':5060', '99999999999', '\t', ' ', '\0', '\\',
].map(lat);

const ctx = {
  source: { address: '10.99.0.3', port: 5060 },
  local: { address: '10.99.0.1', port: 40000 },
  tag: 'fuzztag',
  branch: 'fuzzbranch',
  policy: () => undefined,
  urlFor: (d: ReturnType<typeof identify>) => pnpUrl(d, 'http://10.99.0.1/provisioning/', DEFAULT_TEMPLATES),
};

export const target: FuzzTarget = {
  name: 'sip',
  seeds,
  dictionary,
  maxLength: 4096,
  run(input: Buffer): boolean {
    const r = decode(input);
    if (!r.ok) {
      assert.equal(typeof r.error.code, 'string');
      return false;
    }
    assert.ok(r.bytesRead <= input.length);
    const m = r.value;
    roundTrip(codec, m);
    for (const v of getHeaders(m, 'Via')) parseVia(v);
    for (const v of getHeaders(m, 'Contact')) { const na = parseNameAddr(v); if (na) parseUri(na.uri); }
    parseCSeq(getHeader(m, 'CSeq') ?? '');
    parseEvent(getHeader(m, 'Event') ?? '');
    if (m.type === 'request') {
      parseUri(m.uri);
      identify(m);
      subscribeKey(m);
      const d = handleSubscribe(m, ctx);
      if (d.kind === 'answer') {
        const reply = decode(encode(d.reply));
        const notify = decode(encode(d.notify));
        assert.ok(reply.ok && notify.ok, 'our answers decode');
        assert.equal(getHeader(notify.value, 'Call-ID'), getHeader(m, 'Call-ID'));
        assert.equal(d.notifyTo.address, ctx.source.address, 'the NOTIFY never goes to a third host');
      }
    }
    return true;
  },
};
