// The `pnp` config section (SIP plug-and-play responder). Merged into agent/config/schema.ts.
// PnpConfig mirrors it field for field; keep them in step.
import { f, section, sectionDefaults } from '../../agent/config/field.ts';

export const pnpSection = section('SIP plug-and-play responder (multicast 224.0.1.75:5060)', {
  enabled: f('bool', true, 'Answer SIP PnP SUBSCRIBEs (ignored in multi-tenant mode).'),
  interfaces: f('string[]', [], 'Interfaces to join the multicast group on (e.g. ["eth0"]). Empty: every non-loopback IPv4 interface.'),
  group: f('ipv4', '224.0.1.75', 'Multicast group phones send to (224.0.1.75 is the SIP "sip.mcast.net" group).'),
  port: f('port', 5060, 'UDP port of the multicast group. The group address is bound (SO_REUSEADDR), so a PBX bound to the node\'s own address on the same port keeps working.'),
  replyPort: f('int', 0, 'Source port of our answers (200 OK, NOTIFY) on each interface address; the phone\'s 200 to the NOTIFY comes back to it. 0: an ephemeral port.', { min: 0, max: 65535 }),
  scheme: f('enum', 'http', 'How phones fetch their files: the scheme of the URL sent in the NOTIFY.', { values: ['http', 'https', 'tftp'] }),
  address: f('string', '', 'Host put in the URL. Empty: the HA resource address when there is one, else the address of the interface the SUBSCRIBE came in on.', { emptyOk: true }),
  urlPort: f('int', 0, 'Port put in the URL. 0: the scheme\'s default (80, 443, 69), left out of the URL.', { min: 0, max: 65535 }),
  urlPath: f('string', '', 'Path put in the URL (it must match provisioning.httpPath for HTTP). Empty: /provisioning for HTTP(S), / for TFTP.', { emptyOk: true }),
  urls: section('URL template per vendor. Placeholders: %%BASE%% (scheme://host[:port]/path/), %%MAC%%, %%MACUPPER%%, %%MODEL%%, %%VENDOR%%. Vendor macros ({mac}, $mac, {MODEL}) are passed to the phone as they are. A template needing a MAC or model the phone did not send falls back to urls.default.', {
    snom: f('string', '%%BASE%%{mac}.xml', 'Snom: the phone replaces {mac} itself.'),
    yealink: f('string', '%%BASE%%', 'Yealink: a directory; the phone asks for y000000000000.cfg and <mac>.cfg in it.'),
    grandstream: f('string', '%%BASE%%', 'Grandstream: a folder ending in "/" (other URLs are silently ignored by the phone).'),
    fanvil: f('string', '%%BASE%%$mac.cfg', 'Fanvil (and PLANET OEM): the phone replaces $mac.'),
    panasonic: f('string', '%%BASE%%{MODEL}.cfg', 'Panasonic: the phone replaces {MODEL} (and {MAC}, {fwver}).'),
    gigaset: f('string', '%%BASE%%%%MAC%%.xml', 'Gigaset.'),
    audiocodes: f('string', '%%BASE%%', 'AudioCodes (sends no MAC): the server root.'),
    akuvox: f('string', '%%BASE%%', 'Akuvox.'),
    unknown: f('string', '%%BASE%%', 'Phones whose vendor is not recognised.'),
    default: f('string', '%%BASE%%', 'Fallback when a vendor template needs a MAC or model the phone did not send.'),
  }),
  modelUrls: f('string[]', [], 'URL templates per model, tried before pnp.urls.<vendor>: "vendor/model-glob=template", e.g. "yealink/T5*=%%BASE%%t5x/" or "snom/D7?5=%%BASE%%d7x5/{mac}.xml" (* and ? match the model the phone sent, case-insensitive). First match wins.'),
  allow: f('string[]', [], 'Answer only these MACs or OUIs (AABBCCDDEEFF, AA:BB:CC). Empty: everyone not denied.'),
  deny: f('string[]', [], 'Never answer these MACs or OUIs.'),
  knownDevicesOnly: f('bool', false, 'Answer only MACs that are registered devices (pbxctl device add).'),
  ratePerSecond: f('int', 5, 'SUBSCRIBEs accepted per second per source IP (token bucket refill). 0: no limit.', { min: 0, max: 1_000_000 }),
  rateBurst: f('int', 20, 'SUBSCRIBEs a source IP may send at once before the rate applies.', { min: 1, max: 1_000_000 }),
  t1Ms: f('duration-ms', 500, 'SIP timer T1: first NOTIFY retransmission; doubles up to 4 s; the NOTIFY is given up after 64*T1.', { min: 50, max: 10_000 }),
  maxTransactions: f('int', 20_000, 'NOTIFYs awaiting an answer at once (a boot storm of this many phones is answered in full).', { min: 1, max: 1_000_000 }),
  recordSeen: f('bool', true, 'Record phones seen (pbxctl pnp list).'),
});

export interface PnpUrlTemplates {
  snom: string; yealink: string; grandstream: string; fanvil: string; panasonic: string;
  gigaset: string; audiocodes: string; akuvox: string; unknown: string; default: string;
}

export interface PnpConfig {
  enabled: boolean;
  interfaces: string[];
  group: string;
  port: number;
  replyPort: number;
  scheme: 'http' | 'https' | 'tftp';
  address: string;
  urlPort: number;
  urlPath: string;
  urls: PnpUrlTemplates;
  modelUrls: string[];
  allow: string[];
  deny: string[];
  knownDevicesOnly: boolean;
  ratePerSecond: number;
  rateBurst: number;
  t1Ms: number;
  maxTransactions: number;
  recordSeen: boolean;
}

/** Defaults, for tests and tools that build a config without the loader. */
export function defaultPnpConfig(over: Partial<PnpConfig> = {}): PnpConfig {
  return { ...sectionDefaults<PnpConfig>(pnpSection), ...over };
}
