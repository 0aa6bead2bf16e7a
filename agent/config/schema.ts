// The config schema: one tree that gives the defaults, the validation, the environment
// overrides and the README's key table. A key exists only if it is declared here.

import { ConfigError } from '../errors.ts';
import { f, section, type Field, type Section } from './field.ts';
import type { Config } from './types.ts';
import { pnpSection } from '../../net/sip/config-schema.ts';
import { dhcpSection } from '../../net/dhcp/config-schema.ts';
import { haSection } from '../../cluster/config-schema.ts';
import { fetchAuthSection } from '../../net/http/auth-config.ts';
import { rpsSection } from '../../provisioning/rps/config-schema.ts';

export type { Field, FieldType, Section } from './field.ts';

export const SCHEMA: Section = section('pbx-agent configuration', {
  node: section('This node', {
    name: f('string', '', 'Node name shown in status and logs. Empty: the host name.', { emptyOk: true }),
    serial: f('string', '', 'Serial number override. Empty: read from DMI (/sys/class/dmi/id/product_serial). Set it on virtual machines and in tests.', { emptyOk: true }),
  }),
  state: section('Where state lives', {
    dir: f('string', './state', 'State directory: the SQLite store (pbx-agent.db), default asset folder, control socket. Created if missing.'),
    synchronous: f('enum', 'full', 'SQLite synchronous mode. "full" survives power loss; "normal" survives a process crash (kill -9) only.', { values: ['full', 'normal'] }),
  }),
  log: section('Logging (JSON lines on stdout, to the journal)', {
    level: f('enum', 'info', 'Log level.', { values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }),
  }),
  control: section('The local control socket that pbxctl talks to', {
    socket: f('string', '', 'Unix socket path. Empty: <state.dir>/control.sock.', { emptyOk: true }),
    group: f('string', '', 'Group allowed to use the socket besides root (mode 0660). Empty: root only (mode 0600).', { emptyOk: true }),
  }),
  pbx: section('PBX attributes offered to templates', {
    address: f('string', '', 'Address phones use to reach the PBX (%%PBXADDRESS%%). Empty: the first non-loopback IPv4 address of this node.', { emptyOk: true }),
    sipUdpPort: f('port', 5060, 'SIP UDP port of the PBX (%%SIPUDPPORT%%).'),
    sipTcpPort: f('port', 5060, 'SIP TCP port of the PBX (%%SIPTCPPORT%%).'),
    sipTlsPort: f('port', 5061, 'SIP TLS port of the PBX (%%SIPTLSPORT%%).'),
    domain: f('string', '', 'SIP domain (%%SIPDOMAIN%%). Empty: pbx.address.', { emptyOk: true }),
    ntpServer: f('string', '', 'NTP server given to phones (%%NTPSERVER%%). Empty: pbx.address.', { emptyOk: true }),
    timezone: f('string', 'Europe/Rome', 'Time zone name given to phones (%%TIMEZONE%%).'),
    language: f('string', 'English', 'Phone UI language (%%LANGUAGE%%).'),
  }),
  provisioning: section('The provisioning engine', {
    multiTenant: f('bool', false, 'Multi-tenant mode: files are served under <tenant_uuid>/ (TFTP) and /provisioning/<tenant_uuid>/ (HTTP). SIP PnP is refused in this mode.'),
    assetsDir: f('string', '', 'Folder of static assets (firmware, wallpapers, ringtones) served as-is. Empty: <state.dir>/assets.', { emptyOk: true }),
    httpPath: f('string', '/provisioning', 'URL path under which HTTP(S) serves provisioning files.'),
    resyncOnChange: f('enum', 'off', 'After a provisioning edit through pbxctl (device, account, template, model, rule, placeholder), tell the phones whose files changed to fetch them again: "check-sync" sends the vendor\'s resync NOTIFY (as pbxctl device resync does) to each affected enabled device with an account; "off" sends nothing. Off by default: on some models (Polycom, or a phone set to reboot on check-sync) a resync reboots the phone, which drops a call in progress. With HA only the coordinator sends.', { values: ['off', 'check-sync'] }),
    resyncDelayMs: f('duration-ms', 5000, 'How long resyncOnChange waits after the last edit before sending: edits within this window are coalesced, so a script editing 300 devices one by one sends one NOTIFY per phone, not one per edit, and phones fetch the finished configuration.', { min: 0, max: 600000 }),
    resyncRatePerSec: f('int', 10, 'At most this many resync NOTIFYs started per second by resyncOnChange: a template edit may touch hundreds of phones, and they must neither get a NOTIFY storm on the LAN nor all fetch their files from this node at once.', { min: 1, max: 1000 }),
  }, (p: Config['provisioning']) => {
    if (!p.httpPath.startsWith('/') || p.httpPath.endsWith('/')) {
      throw new ConfigError('provisioning.httpPath', `'${p.httpPath}' must start with '/' and not end with one, e.g. '/provisioning'`);
    }
  }),
  tftp: section('The TFTP server (read-only)', {
    enabled: f('bool', true, 'Serve provisioning files over TFTP.'),
    address: f('ipv4', '0.0.0.0', 'Address to bind.'),
    port: f('port', 69, 'UDP port to listen on (69 needs root or CAP_NET_BIND_SERVICE).'),
    maxBlksize: f('int', 65464, 'Largest block size granted (RFC 2348); larger requests are clamped.', { min: 512, max: 65464 }),
    maxWindowsize: f('int', 64, 'Largest window size granted (RFC 7440); larger requests are clamped.', { min: 1, max: 65535 }),
    retransmitMs: f('duration-ms', 1000, 'Initial retransmission timeout when the client asks for none (RFC 2349 timeout overrides it); doubled on each retry.', { min: 10, max: 255000 }),
    retries: f('int', 5, 'Retransmissions before a transfer is abandoned.', { min: 1, max: 50 }),
    maxSessions: f('int', 1000, 'Concurrent transfers in total; requests past it get an error.', { min: 1, max: 100000 }),
    maxSessionsPerClient: f('int', 16, 'Concurrent transfers per client IP.', { min: 1, max: 10000 }),
    engine: f('enum', 'auto', 'Who sends the blocks. "native": the C data pump (net/tftp/native, built by npm install), one thread per transfer with blocking socket calls, as fast per client as tftpd-hpa; "js": the event loop; "auto": native when it is built, else js with a warning.', { values: ['auto', 'native', 'js'] }),
  }),
  http: section('The HTTP(S) server', {
    enabled: f('bool', true, 'Serve provisioning files over HTTP.'),
    address: f('ipv4', '0.0.0.0', 'Address to bind.'),
    port: f('port', 80, 'TCP port for plain HTTP (80 needs root or CAP_NET_BIND_SERVICE).'),
    httpsEnabled: f('bool', false, 'Also serve HTTPS (needs http.certFile and http.keyFile).'),
    httpsPort: f('port', 443, 'TCP port for HTTPS.'),
    certFile: f('string', '', 'PEM certificate (chain) for HTTPS.', { emptyOk: true }),
    keyFile: f('string', '', 'PEM private key for HTTPS.', { emptyOk: true }),
    auth: fetchAuthSection,
  }, (h: Config['http']) => {
    if (h.httpsEnabled && (!h.certFile || !h.keyFile)) {
      throw new ConfigError('http.httpsEnabled', 'is true but http.certFile and http.keyFile are not both set; set them or turn HTTPS off');
    }
    if (h.enabled && h.httpsEnabled && h.port === h.httpsPort) {
      throw new ConfigError('http.httpsPort', `is ${h.httpsPort}, the same as http.port; give HTTPS its own port`);
    }
  }),
  pnp: pnpSection,
  dhcp: dhcpSection,
  ha: haSection,
  rps: rpsSection,
});

/** Walks the schema, yielding dotted keys and their fields (for docs, env, defaults). */
export function* walk(s: Section = SCHEMA, prefix = ''): Generator<[string, Field]> {
  for (const [name, node] of Object.entries(s.fields)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (node.kind === 'section') yield* walk(node, key);
    else yield [key, node];
  }
}

/** `tftp.maxBlksize` -> `PBX_AGENT__TFTP__MAX_BLKSIZE`. */
export function envName(key: string): string {
  return 'PBX_AGENT__' + key.split('.').map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__');
}
