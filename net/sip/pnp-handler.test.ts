import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIOCODES, AUDIOCODES_AS_PRINTED, FANVIL, GRANDSTREAM, SNOM, YEALINK } from '../../test/pnp/samples.ts';
import { decode, encode, getHeader, getHeaders, parseNameAddr, parseVia, type SipRequest } from './message.ts';
import { identify, macInUser, type DeviceInfo } from './pnp-device.ts';
import { handleSubscribe, stampVia, subscribeKey, type HandlerContext, type PnpDecision } from './pnp-handler.ts';
import { checkPolicy, MacList, RateLimiter } from './pnp-policy.ts';
import { baseUrl, DEFAULT_TEMPLATES, pnpUrl } from './pnp-url.ts';

const BASE = 'http://10.99.0.1/provisioning/';

function req(buf: Buffer): SipRequest {
  const r = decode(buf);
  assert.ok(r.ok && r.value.type === 'request');
  return r.value as SipRequest;
}

function ctx(source: { address: string; port: number }, over: Partial<HandlerContext> = {}): HandlerContext {
  return {
    source, local: { address: '10.99.0.1', port: 40000 }, tag: 'ourtag', branch: 'b1',
    policy: () => undefined, urlFor: (d) => pnpUrl(d, BASE, DEFAULT_TEMPLATES), ...over,
  };
}

function answer(d: PnpDecision): Extract<PnpDecision, { kind: 'answer' }> {
  assert.equal(d.kind, 'answer', d.kind === 'refuse' ? `${d.reason}: ${d.detail}` : '');
  return d as Extract<PnpDecision, { kind: 'answer' }>;
}

/** The checks every answer must pass, whatever the vendor. */
function commonChecks(sub: SipRequest, d: Extract<PnpDecision, { kind: 'answer' }>, source: { address: string; port: number }): void {
  const reply = decode(encode(d.reply));
  assert.ok(reply.ok && reply.value.type === 'response');
  const r = reply.value;
  assert.equal(r.type === 'response' && r.status, 200);
  assert.deepEqual(d.replyTo, source, '200 goes to the datagram source');
  assert.equal(getHeaders(r, 'Via').length, getHeaders(sub, 'Via').length);
  const received = parseVia(getHeaders(r, 'Via')[0]!)?.params.get('received');
  assert.ok(received === undefined || received === source.address, 'received= only ever names the source');
  assert.equal(getHeader(r, 'From'), getHeader(sub, 'From'));
  assert.equal(parseNameAddr(getHeader(r, 'To')!)?.params.get('tag'), 'ourtag');
  assert.equal(getHeader(r, 'Call-ID'), getHeader(sub, 'Call-ID'));
  assert.equal(getHeader(r, 'CSeq'), getHeader(sub, 'CSeq'));
  assert.equal(getHeader(r, 'Expires'), '0');
  assert.equal(getHeader(r, 'Contact'), '<sip:10.99.0.1:40000>');
  assert.equal(getHeader(r, 'Content-Length'), '0');

  const n = d.notify;
  assert.equal(n.method, 'NOTIFY');
  const via = parseVia(getHeader(n, 'Via')!);
  assert.deepEqual([via?.host, via?.port, via?.params.get('branch')], ['10.99.0.1', 40000, 'z9hG4bKb1'], 'own Via with an explicit port');
  assert.equal(d.branch, 'z9hG4bKb1');
  assert.equal(getHeader(n, 'Call-ID'), getHeader(sub, 'Call-ID'));
  assert.equal(getHeader(n, 'From'), `${getHeader(sub, 'To')};tag=ourtag`);
  assert.equal(getHeader(n, 'To'), getHeader(sub, 'From'));
  assert.equal(getHeader(n, 'Event'), 'ua-profile');
  assert.equal(getHeader(n, 'Subscription-State'), 'terminated;reason=timeout');
  assert.equal(getHeader(n, 'Content-Type'), 'application/url');
  assert.equal(getHeader(n, 'Content-Length'), String(n.body.length));
  assert.equal(n.body.toString().trim(), d.url);
  assert.ok(decode(encode(n)).ok);
}

describe('PnP handler: one answer per real SUBSCRIBE (pnp.md samples)', () => {
  it('Snom: MAC%3a with its own domain, vendor OEM -> OUI, {mac} URL, rport filled in', () => {
    const sub = req(SNOM);
    const src = { address: '192.168.10.67', port: 5060 };
    const d = answer(handleSubscribe(sub, ctx(src)));
    commonChecks(sub, d, src);
    assert.deepEqual([d.device.mac, d.device.macFrom, d.device.vendor, d.device.model, d.device.firmware], ['00135e874b49', 'request-uri', 'snom', undefined, '7.1.19']);
    assert.equal(d.url, `${BASE}{mac}.xml`);
    assert.equal(getHeaders(d.reply, 'Via')[0], 'SIP/2.0/UDP 192.168.10.67:5060;rport=5060;received=192.168.10.67');
    assert.equal(d.notify.uri, 'sip:192.168.10.67:5060');
    assert.deepEqual(d.notifyTo, src);
  });

  it('Grandstream: MAC%3A, port 5080, CSeq 20000 echoed, folder URL + CRLF body', () => {
    const sub = req(GRANDSTREAM);
    const src = { address: '192.168.1.2', port: 5080 };
    const d = answer(handleSubscribe(sub, ctx(src)));
    commonChecks(sub, d, src);
    assert.equal(getHeader(d.reply, 'CSeq'), '20000 SUBSCRIBE');
    assert.deepEqual([d.device.mac, d.device.vendor, d.device.model], ['c074ad112233', 'grandstream', 'GRP2612W']);
    assert.equal(d.url, BASE);
    assert.equal(d.notify.body.toString(), `${BASE}\r\n`);
    assert.deepEqual(d.notifyTo, { address: '192.168.1.2', port: 5080 });
  });

  it('Yealink: lower-case MAC without separator, port 5059, Contact with a user part', () => {
    const sub = req(YEALINK);
    const src = { address: '10.1.3.239', port: 5059 };
    const d = answer(handleSubscribe(sub, ctx(src)));
    commonChecks(sub, d, src);
    assert.deepEqual([d.device.mac, d.device.vendor, d.device.model, d.device.firmware], ['001565f4f9e1', 'yealink', 'W52P', '25.81.0.10']);
    assert.equal(d.notify.uri, 'sip:MAC001565f4f9e1@10.1.3.239:5059');
    assert.deepEqual(d.notifyTo, { address: '10.1.3.239', port: 5059 });
    assert.equal(d.url, BASE);
  });

  it('Fanvil/PLANET: MAC=, no From tag (NOTIFY To has none), no Content-Length, $mac URL', () => {
    const sub = req(FANVIL);
    const src = { address: '192.168.1.45', port: 5060 };
    const d = answer(handleSubscribe(sub, ctx(src)));
    commonChecks(sub, d, src);
    assert.deepEqual([d.device.mac, d.device.vendor, d.device.model], ['00304fa99948', 'fanvil', 'VIP-2140PT']);
    assert.equal(getHeader(d.notify, 'To'), '<sip:MAC=00304fa99948@224.0.1.75>');
    assert.equal(d.url, `${BASE}$mac.cfg`);
  });

  it('AudioCodes: no MAC anywhere -> answered with the generic URL', () => {
    const sub = req(AUDIOCODES);
    const src = { address: '10.13.2.37', port: 5060 };
    const d = answer(handleSubscribe(sub, ctx(src)));
    commonChecks(sub, d, src);
    assert.deepEqual([d.device.mac, d.device.vendor, d.device.model, d.device.profileType], [undefined, 'audiocodes', '440HD', 'application']);
    assert.equal(d.url, BASE);
  });

  it('a Contact pointing at another host is not followed (no reflection): NOTIFY goes to the source', () => {
    const text = YEALINK.toString('latin1').replace('Contact: <sip:MAC001565f4f9e1@10.1.3.239:5059>', 'Contact: <sip:203.0.113.9:5060>');
    const d = answer(handleSubscribe(req(Buffer.from(text, 'latin1')), ctx({ address: '10.1.3.239', port: 5059 })));
    assert.deepEqual(d.notifyTo, { address: '10.1.3.239', port: 5059 });
    assert.equal(d.notify.uri, 'sip:10.1.3.239:5059');
  });
});

describe('PnP handler: refusals', () => {
  const src = { address: '10.1.3.239', port: 5059 };
  const variant = (from: string, to: string): SipRequest => req(Buffer.from(YEALINK.toString('latin1').replace(from, to), 'latin1'));
  const cases: Array<[string, SipRequest, Partial<HandlerContext>, string]> = [
    ['another event package', variant('Event: ua-profile', 'Event: presence'), {}, 'not-ua-profile'],
    ['no Event', variant('Event: ua-profile', 'X-Event: ua-profile'), {}, 'not-ua-profile'],
    ['an OPTIONS', variant('SUBSCRIBE sip:', 'OPTIONS sip:'), {}, 'not-subscribe'],
    ['no Call-ID', variant('Call-ID:', 'X-Call-ID:'), {}, 'missing-header'],
    ['CSeq of another method', variant('CSeq: 1 SUBSCRIBE', 'CSeq: 1 INVITE'), {}, 'missing-header'],
    ['no Via', variant('Via:', 'X-Via:'), {}, 'missing-header'],
    ['policy says no', req(YEALINK), { policy: () => 'not-active' }, 'not-active'],
    ['no URL', req(YEALINK), { urlFor: () => undefined }, 'no-url'],
  ];
  for (const [name, m, over, reason] of cases) {
    it(name, () => {
      const d = handleSubscribe(m, ctx(src, over));
      assert.equal(d.kind, 'refuse');
      assert.equal(d.kind === 'refuse' && d.reason, reason);
    });
  }
  it('the AudioCodes SUBSCRIBE as printed (no Call-ID, no CSeq) cannot be answered', () => {
    const d = handleSubscribe(req(AUDIOCODES_AS_PRINTED), ctx(src));
    assert.equal(d.kind === 'refuse' && d.reason, 'missing-header');
  });
  it('a response is not a SUBSCRIBE', () => {
    const r = decode(Buffer.from('SIP/2.0 200 OK\r\n\r\n'));
    assert.ok(r.ok);
    assert.equal(handleSubscribe(r.value, ctx(src)).kind, 'refuse');
  });
});

describe('PnP pieces', () => {
  it('a retransmitted SUBSCRIBE has the same key; a new CSeq or Call-ID does not', () => {
    const a = subscribeKey(req(GRANDSTREAM));
    assert.ok(a);
    assert.equal(subscribeKey(req(GRANDSTREAM)), a);
    assert.notEqual(subscribeKey(req(Buffer.from(GRANDSTREAM.toString('latin1').replace('CSeq: 20000', 'CSeq: 20001'), 'latin1'))), a);
    assert.notEqual(subscribeKey(req(Buffer.from(GRANDSTREAM.toString('latin1').replace('Call-ID: 490', 'Call-ID: 491'), 'latin1'))), a);
  });

  it('MAC spellings', () => {
    assert.equal(macInUser('MAC%3a00135E874B49'), '00135e874b49');
    assert.equal(macInUser('mac:00-15-65-aa-bb-cc'), '001565aabbcc');
    assert.equal(macInUser('MAC001565f4f9e1'), '001565f4f9e1');
    assert.equal(macInUser('MAC001565f4f9e1f'), undefined, '13 hex digits are not a MAC');
    assert.equal(macInUser('MAC000000000000'), undefined);
    assert.equal(macInUser('MAC010000000001'), undefined, 'group address');
    assert.equal(macInUser('alice'), undefined);
  });

  it('MAC from the User-Agent or the Event mac parameter when the URIs have none', () => {
    const ua = req(Buffer.from(AUDIOCODES.toString('latin1').replace('User-Agent: AUDC-IPPhone/2.2.2', 'User-Agent: Fanvil X4 2.10.2.6887 0c383e07e16c'), 'latin1'));
    assert.deepEqual([identify(ua).mac, identify(ua).macFrom], ['0c383e07e16c', 'user-agent']);
    const ev = req(Buffer.from(AUDIOCODES.toString('latin1').replace('version="2.2.2"', 'version="2.2.2";mac="00908f112233"'), 'latin1'));
    assert.deepEqual([identify(ev).mac, identify(ev).macFrom], ['00908f112233', 'event']);
  });

  it('Via stamping (RFC 3581): rport filled, received added, an old received replaced', () => {
    const s = { address: '10.0.0.9', port: 1234 };
    assert.equal(stampVia('SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1', s), 'SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1');
    assert.equal(stampVia('SIP/2.0/UDP 10.0.0.9:5060;rport;branch=x', s), 'SIP/2.0/UDP 10.0.0.9:5060;rport=1234;branch=x;received=10.0.0.9');
    assert.equal(stampVia('SIP/2.0/UDP host.lan;received=1.1.1.1', s), 'SIP/2.0/UDP host.lan;received=10.0.0.9');
  });

  it('URLs per vendor, scheme and port; MAC/model templates fall back when unknown', () => {
    assert.equal(baseUrl('http', '10.0.0.1', 0, ''), 'http://10.0.0.1/provisioning/');
    assert.equal(baseUrl('https', '10.0.0.1', 8443, '/prov'), 'https://10.0.0.1:8443/prov/');
    assert.equal(baseUrl('tftp', '10.0.0.1', 69, ''), 'tftp://10.0.0.1/');
    const dev = (o: Partial<DeviceInfo>): DeviceInfo => ({ mac: '001565aabbcc', macFrom: 'from', vendor: 'yealink', model: 'T46S', firmware: undefined, userAgent: undefined, profileType: undefined, ...o });
    const t = { ...DEFAULT_TEMPLATES, yealink: '%%BASE%%%%MAC%%.cfg', panasonic: '%%BASE%%%%MODEL%%/%%MACUPPER%%.cfg' };
    assert.equal(pnpUrl(dev({}), 'tftp://h/', t), 'tftp://h/001565aabbcc.cfg');
    assert.equal(pnpUrl(dev({ mac: undefined }), 'tftp://h/', t), 'tftp://h/');
    assert.equal(pnpUrl(dev({ vendor: 'panasonic', model: 'KX-HDV230' }), 'http://h/', t), 'http://h/KX-HDV230/001565AABBCC.cfg');
    assert.equal(pnpUrl(dev({ vendor: 'panasonic' }), 'http://h/', DEFAULT_TEMPLATES), 'http://h/{MODEL}.cfg');
    assert.equal(pnpUrl(dev({ vendor: 'panasonic', model: undefined }), 'http://h/', t), 'http://h/');
    assert.equal(pnpUrl(dev({ vendor: 'gigaset', model: '../x y' }), 'http://h/', { ...t, gigaset: '%%BASE%%%%MODEL%%' }), 'http://h/..xy', 'model is reduced to URL-safe characters');
  });

  it('policy: active, deny, allow (MAC or OUI), known devices only', () => {
    const d = { mac: '001565aabbcc', macFrom: 'from', vendor: 'yealink', model: undefined, firmware: undefined, userAgent: undefined, profileType: undefined } as DeviceInfo;
    const none = new MacList([], 'x');
    const base = { isActive: () => true, isKnownDevice: () => false, allow: none, deny: none, knownDevicesOnly: false };
    assert.equal(checkPolicy(d, base), undefined);
    assert.equal(checkPolicy(d, { ...base, isActive: () => false }), 'not-active');
    assert.equal(checkPolicy(d, { ...base, deny: new MacList(['00:15:65'], 'x') }), 'denied');
    assert.equal(checkPolicy(d, { ...base, allow: new MacList(['001565AABBCD'], 'x') }), 'not-allowed');
    assert.equal(checkPolicy(d, { ...base, allow: new MacList(['00-15-65-AA-BB-CC'], 'x') }), undefined);
    assert.equal(checkPolicy({ ...d, mac: undefined }, { ...base, allow: new MacList(['001565'], 'x') }), 'not-allowed');
    assert.equal(checkPolicy(d, { ...base, knownDevicesOnly: true }), 'unknown-device');
    assert.equal(checkPolicy(d, { ...base, knownDevicesOnly: true, isKnownDevice: (m) => m === '001565aabbcc' }), undefined);
    assert.equal(checkPolicy({ ...d, mac: undefined }, { ...base, knownDevicesOnly: true }), 'no-mac');
    assert.throws(() => new MacList(['nope'], 'pnp.allow'), /pnp\.allow/);
  });

  it('rate limiter: burst, then the refill rate, per source, bounded table', () => {
    const r = new RateLimiter(2, 3, 2);
    assert.deepEqual([1, 2, 3, 4].map(() => r.take('a', 0)), [true, true, true, false]);
    assert.equal(r.take('a', 499), false);
    assert.equal(r.take('a', 500), true, 'one token after 500 ms at 2/s');
    assert.equal(r.take('b', 0), true, 'other sources have their own bucket');
    r.take('c', 0);
    assert.equal(r.sources, 2);
    assert.equal(new RateLimiter(0, 1).take('x', 0), true, 'rate 0: no limit');
  });
});
