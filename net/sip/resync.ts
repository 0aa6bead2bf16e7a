// Resync: the out-of-dialog SIP NOTIFY that makes a phone fetch its files again (or reboot),
// per vendor, and the reading of its answer. Pure: built on message.ts; no socket, no clock.
//
// Events (prov.md section 4; FusionPBX and wazo-provd use the same):
//   Yealink, Snom, Gigaset  check-sync;reboot=false   reboot: check-sync;reboot=true
//   Fanvil                  check-sync                reboot: check-sync;reboot=true
//   Grandstream             resync                    reboot: check-sync;reboot=true
//   Polycom                 check-sync (the phone reboots itself when its config changed)
//   others                  check-sync                reboot: check-sync;reboot=true
// Yealink and Snom get an explicit reboot=false: without it, whether they reboot depends on a
// phone setting (Yealink sip.notify_reboot_enable), and an admin asking for a resync must not
// drop calls.
import { buildRequest, decode, encode, getHeader, getHeaders, parseCSeq, parseVia } from './message.ts';

export interface ResyncEvents { resync: string; reboot: string }

export const RESYNC_EVENTS: Readonly<Record<string, ResyncEvents>> = {
  yealink: { resync: 'check-sync;reboot=false', reboot: 'check-sync;reboot=true' },
  snom: { resync: 'check-sync;reboot=false', reboot: 'check-sync;reboot=true' },
  gigaset: { resync: 'check-sync;reboot=false', reboot: 'check-sync;reboot=true' },
  fanvil: { resync: 'check-sync', reboot: 'check-sync;reboot=true' },
  grandstream: { resync: 'resync', reboot: 'check-sync;reboot=true' },
  polycom: { resync: 'check-sync', reboot: 'check-sync' },
};
export const DEFAULT_EVENTS: ResyncEvents = { resync: 'check-sync', reboot: 'check-sync;reboot=true' };

/** The Event header value for a brand (matched ignoring case; unknown brands get check-sync). */
export function resyncEvent(brand: string, reboot: boolean): string {
  const e = RESYNC_EVENTS[brand.trim().toLowerCase()] ?? DEFAULT_EVENTS;
  return reboot ? e.reboot : e.resync;
}

export interface Endpoint { address: string; port: number }

export interface ResyncNotifyInput {
  event: string;
  target: Endpoint;
  /** Our address and port as the phone should answer them (the sending socket's). */
  local: Endpoint;
  /** User part of the Request-URI and To (the phone's account), or '' for none. */
  user: string;
  callId: string;
  tag: string;
  /** Without the z9hG4bK magic cookie; it is added here. */
  branch: string;
}

const hostPort = (e: Endpoint): string => `${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}`;

/**
 * The NOTIFY as bytes (RFC 3261 8.1.1 mandatory headers, the Event; no body). No
 * Subscription-State: this is the unsolicited NOTIFY phones expect (Asterisk's sip_notify.conf
 * sends the same), not part of a subscription.
 */
export function buildResyncNotify(i: ResyncNotifyInput): { bytes: Buffer; branch: string } {
  const branch = `z9hG4bK${i.branch}`;
  const userPart = i.user && /^[A-Za-z0-9._~+-]{1,64}$/.test(i.user) ? `${i.user}@` : '';
  const uri = `sip:${userPart}${hostPort(i.target)}`;
  const msg = buildRequest('NOTIFY', uri, [
    ['Via', `SIP/2.0/UDP ${hostPort(i.local)};branch=${branch};rport`],
    ['Max-Forwards', '70'],
    ['From', `<sip:pbx-agent@${hostPort(i.local)}>;tag=${i.tag}`],
    ['To', `<${uri}>`],
    ['Call-ID', i.callId],
    ['CSeq', '1 NOTIFY'],
    ['Contact', `<sip:pbx-agent@${hostPort(i.local)}>`],
    ['Event', i.event],
    ['User-Agent', 'pbx-agent'],
  ]);
  return { bytes: encode(msg), branch };
}

export interface ResyncAnswer { status: number; reason: string; branch: string }

/**
 * Reads a datagram as the answer to one of our NOTIFYs: a response whose top Via branch and
 * Call-ID are ours and whose CSeq method is NOTIFY. Anything else is undefined (ignored).
 */
export function readAnswer(buf: Buffer, callId: string): ResyncAnswer | undefined {
  const r = decode(buf);
  if (!r.ok || r.value.type !== 'response') return undefined;
  const m = r.value;
  if (getHeader(m, 'Call-ID') !== callId) return undefined;
  const cseq = parseCSeq(getHeader(m, 'CSeq') ?? '');
  if (!cseq || cseq.method.toUpperCase() !== 'NOTIFY') return undefined;
  const via = parseVia(getHeaders(m, 'Via')[0] ?? '');
  const branch = via?.params.get('branch');
  if (!branch) return undefined;
  return { status: m.status, reason: m.reason, branch };
}
