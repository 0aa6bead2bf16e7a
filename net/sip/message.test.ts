import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { roundTrip } from '../../test/fuzz/codec.ts';
import { SAMPLES, SNOM, YEALINK } from '../../test/pnp/samples.ts';
import {
  buildRequest, buildResponse, decode, encode, encodeInto, encodingLength, getHeader, getHeaders, MAX_MESSAGE,
  parseCSeq, parseEvent, parseNameAddr, parseParams, parseUri, parseVia, splitList, type SipErrorCode, type SipMessage,
} from './message.ts';

const codec = { decode, encode, encodeInto, encodingLength };
const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function ok(buf: Buffer): SipMessage {
  const r = decode(buf);
  assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('SIP codec: round trips', () => {
  for (const s of SAMPLES) {
    it(`${s.name} SUBSCRIBE decodes, and its value round-trips`, () => {
      const m = ok(s.bytes);
      assert.equal(m.type, 'request');
      roundTrip(codec, m);
    });
  }

  it('built requests and responses round-trip, with Content-Length from the body bytes', () => {
    const req = buildRequest('NOTIFY', 'sip:10.0.0.2:5060', [['Via', 'SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKx;rport'], ['Content-Type', 'application/url']], 'http://10.0.0.1/é');
    assert.equal(getHeader(req, 'content-length'), String(Buffer.byteLength('http://10.0.0.1/é')));
    roundTrip(codec, req);
    const res = buildResponse(200, 'OK', [['Via', 'SIP/2.0/UDP a:1'], ['Content-Length', '99']]);
    assert.equal(getHeaders(res, 'l').length, 1, 'a given Content-Length is replaced by the computed one');
    roundTrip(codec, res);
    roundTrip(codec, buildResponse(481, '', []));
  });

  it('decodes at an offset and reports bytesRead (extra bytes after Content-Length ignored)', () => {
    const msg = b('OPTIONS sip:a SIP/2.0\r\nContent-Length: 3\r\n\r\nabcXYZ');
    const r = decode(Buffer.concat([b('junk'), msg]), 4);
    assert.ok(r.ok);
    assert.equal(r.bytesRead, msg.length - 3);
    assert.equal(r.value.body.toString(), 'abc');
  });
});

describe('SIP codec: tolerance', () => {
  it('reads LF-only line ends, leading CRLFs, folded headers, compact and odd-case names', () => {
    const m = ok(b('\r\n\r\nSUBSCRIBE sip:MACx@h SIP/2.0\nv: SIP/2.0/UDP 1.2.3.4:5060;branch=z9hG4bK1\nf: <sip:a@h>\n ;tag=9\nT: <sip:a@h>\ni: abc\ncseq: 1 SUBSCRIBE\no: ua-profile;vendor="Snom"\nl: 0\n\n'));
    assert.equal(getHeader(m, 'Via'), 'SIP/2.0/UDP 1.2.3.4:5060;branch=z9hG4bK1');
    assert.equal(getHeader(m, 'from'), '<sip:a@h> ;tag=9');
    assert.equal(parseNameAddr(getHeader(m, 'From')!)?.params.get('tag'), '9');
    assert.equal(getHeader(m, 'Call-ID'), 'abc');
    assert.equal(getHeader(m, 'CSeq'), '1 SUBSCRIBE');
    assert.equal(m.headers[0]!.name, 'Via', 'compact names are stored canonically');
    assert.equal(parseEvent(getHeader(m, 'event')!)?.params.get('vendor'), 'Snom');
  });

  it('a datagram without the final blank line still decodes (UDP ends the message)', () => {
    const m = ok(b('SIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 NOTIFY'));
    assert.equal(m.type === 'response' && m.status, 200);
    assert.equal(getHeader(m, 'cseq'), '1 NOTIFY');
  });

  it('splits list headers, whether comma-joined or repeated, but not inside quotes or <>', () => {
    const m = ok(b('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a:1;branch=z9hG4bK1, SIP/2.0/UDP b:2\r\nv: SIP/2.0/UDP c:3\r\nContact: "A, B" <sip:x@y;a=1,2>, <sip:z@w>\r\nFrom: "x, y" <sip:a@b>\r\n\r\n'));
    assert.deepEqual(getHeaders(m, 'Via').map((v) => parseVia(v)?.port), [1, 2, 3]);
    assert.deepEqual(getHeaders(m, 'm'), ['"A, B" <sip:x@y;a=1,2>', '<sip:z@w>']);
    assert.deepEqual(getHeaders(m, 'From'), ['"x, y" <sip:a@b>'], 'From is not a list header');
    assert.deepEqual(splitList(' a ,, b,'), ['a', 'b']);
  });

  it('parses URIs, Via, CSeq, Event and params', () => {
    assert.deepEqual(parseUri('sip:MAC%3a00135E874B49@Intern.Snom.de;transport=udp'), {
      scheme: 'sip', user: 'MAC%3a00135E874B49', host: 'intern.snom.de', port: undefined, params: new Map([['transport', 'udp']]),
    });
    assert.equal(parseUri('sip:224.0.1.75:5060')?.port, 5060);
    assert.equal(parseUri('sip:[2001:db8::1]:5070')?.host, '[2001:db8::1]');
    assert.equal(parseUri('sip:h:99999'), undefined);
    assert.equal(parseUri('http://x'), undefined);
    const v = parseVia('SIP/2.0/udp 10.1.3.239:5059;branch=z9hG4bK1;rport');
    assert.deepEqual([v?.transport, v?.host, v?.port, v?.params.get('branch'), v?.params.get('rport')], ['UDP', '10.1.3.239', 5059, 'z9hG4bK1', '']);
    assert.equal(parseVia('SIP/3.0/UDP a'), undefined);
    assert.deepEqual(parseCSeq('20000 SUBSCRIBE'), { seq: 20000, method: 'SUBSCRIBE' });
    assert.equal(parseCSeq('x SUBSCRIBE'), undefined);
    assert.deepEqual([...parseParams(';a="x;y\\"z";B;c=1;a=2')], [['a', 'x;y"z'], ['b', ''], ['c', '1']]);
    assert.equal(parseNameAddr('sip:a@b;tag=1')?.params.get('tag'), '1');
    assert.equal(parseNameAddr('"unterminated <sip:a@b>'), undefined);
  });
});

describe('SIP codec: malformed input gets an error code, never an exception', () => {
  const table: Array<[string, Buffer, SipErrorCode]> = [
    ['empty', b(''), 'EMPTY'],
    ['keep-alive CRLFs', b('\r\n\r\n'), 'EMPTY'],
    ['over the size cap', Buffer.alloc(MAX_MESSAGE + 1, 0x41), 'TOO_LARGE'],
    ['NUL in a header', b('OPTIONS sip:a SIP/2.0\r\nX: a\0b\r\n\r\n'), 'BAD_CHARACTER'],
    ['bare CR inside a line', b('OPTIONS sip:a SIP/2.0\rX: y\r\n\r\n'), 'BAD_CHARACTER'],
    ['one-word start line', b('HELLO\r\n\r\n'), 'BAD_START_LINE'],
    ['method not a token', b('SUB(SCRIBE sip:a SIP/2.0\r\n\r\n'), 'BAD_START_LINE'],
    ['double space in request line', b('OPTIONS  sip:a SIP/2.0\r\n\r\n'), 'BAD_START_LINE'],
    ['SIP/3.0 request', b('OPTIONS sip:a SIP/3.0\r\n\r\n'), 'BAD_VERSION'],
    ['SIP/3.0 response', b('SIP/3.0 200 OK\r\n\r\n'), 'BAD_VERSION'],
    ['status 700', b('SIP/2.0 700 Nope\r\n\r\n'), 'BAD_STATUS'],
    ['status not digits', b('SIP/2.0 2OO OK\r\n\r\n'), 'BAD_STATUS'],
    ['status 4 digits', b('SIP/2.0 2000 OK\r\n\r\n'), 'BAD_STATUS'],
    ['header without colon', b('OPTIONS sip:a SIP/2.0\r\nVia SIP/2.0/UDP a\r\n\r\n'), 'BAD_HEADER'],
    ['header name with space', b('OPTIONS sip:a SIP/2.0\r\nCall ID: x\r\n\r\n'), 'BAD_HEADER'],
    ['empty header name', b('OPTIONS sip:a SIP/2.0\r\n: x\r\n\r\n'), 'BAD_HEADER'],
    ['too many headers', b(`OPTIONS sip:a SIP/2.0\r\n${'X: y\r\n'.repeat(200)}\r\n`), 'TOO_MANY_HEADERS'],
    ['Content-Length not a number', b('OPTIONS sip:a SIP/2.0\r\nl: abc\r\n\r\n'), 'BAD_CONTENT_LENGTH'],
    ['two Content-Lengths', b('OPTIONS sip:a SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab'), 'BAD_CONTENT_LENGTH'],
    ['Content-Length past the datagram', b('OPTIONS sip:a SIP/2.0\r\nContent-Length: 999999999\r\n\r\nab'), 'TRUNCATED_BODY'],
  ];
  for (const [name, input, code] of table) {
    it(name, () => {
      const r = decode(input);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.error.code, code);
    });
  }

  it('bad arguments do not throw', () => {
    assert.equal(decode(Buffer.from('x'), 5).ok, false);
    assert.equal(decode('not a buffer' as unknown as Buffer).ok, false);
  });

  it('pathological inputs near the cap cost well under a few ms each (no backtracking)', () => {
    const inputs = [
      Buffer.alloc(MAX_MESSAGE, ' '),
      b(`OPTIONS sip:a SIP/2.0\r\n${'\r\n '.repeat(2700)}`),
      b(`OPTIONS sip:a SIP/2.0\r\nX: a\r\n${' x\r\n'.repeat(2000)}\r\n`),
      b(`SUBSCRIBE sip:${'MAC'.repeat(2600)}@h SIP/2.0\r\n\r\n`),
      b(`OPTIONS sip:a SIP/2.0\r\nVia: ${'"'.repeat(8000)}\r\n\r\n`),
      Buffer.concat([b('OPTIONS sip:a SIP/2.0\r\nContact: '), Buffer.alloc(8100, '<'), b('\r\n\r\n')]),
    ];
    // The fastest of 20 decodes: a backtracking or quadratic path is slow every time, while a
    // busy machine only delays some runs (the suite shares two cores with namespace labs).
    for (const input of inputs) {
      let per = Infinity;
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        const r = decode(input);
        if (r.ok) { getHeaders(r.value, 'Via'); getHeaders(r.value, 'Contact'); }
        per = Math.min(per, performance.now() - t0);
      }
      assert.ok(per < 5, `${per.toFixed(2)} ms per decode`);
    }
  });
});

describe('SIP codec: the samples', () => {
  it('reads Snom\'s From tag and Yealink\'s Via port', () => {
    const s = ok(SNOM);
    assert.equal(parseNameAddr(getHeader(s, 'From')!)?.params.get('tag'), '658512961');
    const y = ok(YEALINK);
    assert.equal(parseVia(getHeaders(y, 'Via')[0]!)?.port, 5059);
  });
});
