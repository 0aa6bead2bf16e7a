// The PnP decision (STYLE rule 5): a parsed SUBSCRIBE plus its context in, a decision out:
// { answer: the 200 OK, the NOTIFY and where to send it } or { refuse: why }. No I/O, no clock,
// no randomness (tag and branch come in the context), so every vendor variant is a table test.
//
// 200 OK (RFC 3261 8.2.6, 18.2.2; RFC 3581): to the datagram's source. Every Via copied, the top
// one with received= and rport=<port>; From, Call-ID, CSeq copied; To with our tag; Expires: 0;
// Contact: our unicast socket.
// NOTIFY (RFC 6080; pnp.md section 5): Request-URI = the SUBSCRIBE's Contact; our own Via with an
// explicit port (the phone's 200 and sipp's setdest come back to it) and a fresh branch; the same
// Call-ID; From = the SUBSCRIBE's To + our tag, To = the SUBSCRIBE's From (with its tag, if any);
// Event: ua-profile; Subscription-State: terminated;reason=timeout; Content-Type:
// application/url; body = the URL (Grandstream: followed by CRLF, as gs_tools does).
// It goes to the Contact's address when that is the datagram's source IP, otherwise to the
// source: a spoofed Contact must not turn us into a reflector towards a third host.
import { isIPv4 } from 'node:net';
import {
  buildRequest, buildResponse, getHeader, getHeaders, parseCSeq, parseEvent, parseNameAddr, parseUri, parseVia,
  type SipMessage, type SipRequest, type SipResponse,
} from './message.ts';
import { identify, type DeviceInfo } from './pnp-device.ts';
import type { RefuseReason } from './pnp-policy.ts';

export interface Endpoint { address: string; port: number }

export interface HandlerContext {
  /** Where the datagram came from. */
  source: Endpoint;
  /** Our unicast reply socket (Via, Contact). */
  local: Endpoint;
  /** Our dialog tag (To of the 200, From of the NOTIFY). Token characters only. */
  tag: string;
  /** NOTIFY branch suffix (after z9hG4bK). Token characters only. */
  branch: string;
  policy(dev: DeviceInfo): RefuseReason | undefined;
  urlFor(dev: DeviceInfo): string | undefined;
  /** Product token for Server/User-Agent. */
  product?: string;
}

export type PnpDecision =
  | {
    kind: 'answer';
    device: DeviceInfo;
    url: string;
    reply: SipResponse;
    replyTo: Endpoint;
    notify: SipRequest;
    notifyTo: Endpoint;
    /** The full NOTIFY branch, to match the phone's response. */
    branch: string;
  }
  | { kind: 'refuse'; reason: RefuseReason; device: DeviceInfo | undefined; detail: string };

const refuse = (reason: RefuseReason, detail: string, device?: DeviceInfo): PnpDecision => ({ kind: 'refuse', reason, device, detail });

/**
 * Identity of a SUBSCRIBE transaction (RFC 3261 17.2.3): a retransmission has the same
 * Call-ID, CSeq, top Via branch and From tag, and gets the same answer, not a second NOTIFY.
 */
export function subscribeKey(m: SipRequest): string | undefined {
  const callId = getHeader(m, 'Call-ID');
  const cseq = getHeader(m, 'CSeq');
  if (!callId || !cseq) return undefined;
  const via = getHeaders(m, 'Via')[0];
  const branch = via ? parseVia(via)?.params.get('branch') ?? '' : '';
  const fromTag = parseNameAddr(getHeader(m, 'From') ?? '')?.params.get('tag') ?? '';
  return `${callId}\n${cseq}\n${branch}\n${fromTag}`;
}

/** The top Via with received= and a filled-in rport (RFC 3581 section 4). */
export function stampVia(value: string, source: Endpoint): string {
  const parts = value.split(';');
  const out: string[] = [parts[0]!.trim()];
  let hadRport = false;
  for (const raw of parts.slice(1)) {
    const p = raw.trim();
    const name = p.split('=')[0]!.trim().toLowerCase();
    if (name === 'received') continue;
    if (name === 'rport') { hadRport = true; out.push(`rport=${source.port}`); continue; }
    if (p) out.push(p);
  }
  const sentBy = parseVia(value)?.host;
  if (hadRport || sentBy !== source.address) out.push(`received=${source.address}`);
  return out.join(';');
}

function withTag(value: string, tag: string): string {
  return parseNameAddr(value)?.params.has('tag') ? value : `${value};tag=${tag}`;
}

export function handleSubscribe(msg: SipMessage, ctx: HandlerContext): PnpDecision {
  if (msg.type !== 'request' || msg.method.toUpperCase() !== 'SUBSCRIBE') return refuse('not-subscribe', msg.type === 'request' ? msg.method : `response ${msg.status}`);
  const eventText = getHeader(msg, 'Event');
  const event = eventText ? parseEvent(eventText) : undefined;
  if (!event || event.type !== 'ua-profile') return refuse('not-ua-profile', `Event: ${(eventText ?? '(none)').slice(0, 60)}`);

  const vias = getHeaders(msg, 'Via');
  const from = getHeader(msg, 'From');
  const to = getHeader(msg, 'To');
  const callId = getHeader(msg, 'Call-ID');
  const cseqText = getHeader(msg, 'CSeq');
  const cseq = cseqText ? parseCSeq(cseqText) : undefined;
  if (vias.length === 0 || !parseVia(vias[0]!)) return refuse('missing-header', 'no usable Via');
  if (!from || !parseNameAddr(from)) return refuse('missing-header', 'no usable From');
  if (!to || !parseNameAddr(to)) return refuse('missing-header', 'no usable To');
  if (!callId) return refuse('missing-header', 'no Call-ID');
  if (!cseq || cseq.method.toUpperCase() !== 'SUBSCRIBE') return refuse('missing-header', 'no usable CSeq');

  const device = identify(msg);
  const why = ctx.policy(device);
  if (why) return refuse(why, device.mac ?? 'no MAC', device);
  const url = ctx.urlFor(device);
  if (!url) return refuse('no-url', 'no URL for this phone', device);

  const product = ctx.product ?? 'pbx-agent';
  const us = `${ctx.local.address}:${ctx.local.port}`;
  const toTagged = withTag(to, ctx.tag);
  const reply = buildResponse(200, 'OK', [
    ...vias.map((v, i) => ['Via', i === 0 ? stampVia(v, ctx.source) : v] as const),
    ['From', from],
    ['To', toTagged],
    ['Call-ID', callId],
    ['CSeq', cseqText!],
    ['Expires', '0'],
    ['Contact', `<sip:${us}>`],
    ['Server', product],
  ]);

  const contact = parseNameAddr(getHeaders(msg, 'Contact')[0] ?? '');
  const curi = contact ? parseUri(contact.uri) : undefined;
  const useContact = curi !== undefined && isIPv4(curi.host) && curi.host === ctx.source.address;
  const requestUri = useContact ? contact!.uri : `sip:${ctx.source.address}:${ctx.source.port}`;
  const notifyTo: Endpoint = useContact ? { address: curi.host, port: curi.port ?? 5060 } : ctx.source;
  const branch = `z9hG4bK${ctx.branch}`;
  const notify = buildRequest('NOTIFY', requestUri, [
    ['Via', `SIP/2.0/UDP ${us};branch=${branch};rport`],
    ['Max-Forwards', '70'],
    ['From', toTagged],
    ['To', from],
    ['Call-ID', callId],
    ['CSeq', '1 NOTIFY'],
    ['Contact', `<sip:${us}>`],
    ['Event', 'ua-profile'],
    ['Subscription-State', 'terminated;reason=timeout'],
    ['Content-Type', 'application/url'],
    ['User-Agent', product],
  ], device.vendor === 'grandstream' ? `${url}\r\n` : url);

  return { kind: 'answer', device, url, reply, replyTo: ctx.source, notify, notifyTo, branch };
}
