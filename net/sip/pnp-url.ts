// The provisioning URL a phone is sent, per vendor convention (pnp.md sections 2 and 5). Pure.
//
// Templates use our placeholders in %%...%%; the vendors' own macros ({mac} for Snom, $mac for
// Fanvil, {MODEL} for Panasonic) pass through untouched for the phone to expand.
//   %%BASE%%      scheme://address[:port]/path/   (always ends in '/')
//   %%MAC%%       12 lower-case hex digits        %%MACUPPER%%  the same, upper case
//   %%MODEL%%     model from the SUBSCRIBE (URL-safe characters only)
//   %%VENDOR%%    snom, yealink, ...
// A template needing %%MAC%%/%%MACUPPER%%/%%MODEL%% for a phone that did not say it falls back
// to the `default` template, then to %%BASE%%: a phone is always given a URL.
import type { DeviceInfo, Vendor } from './pnp-device.ts';

export type Scheme = 'http' | 'https' | 'tftp';

export type UrlTemplates = Readonly<Record<Vendor | 'default', string>>;

export const DEFAULT_TEMPLATES: UrlTemplates = {
  snom: '%%BASE%%{mac}.xml',
  yealink: '%%BASE%%',
  grandstream: '%%BASE%%',
  fanvil: '%%BASE%%$mac.cfg',
  panasonic: '%%BASE%%{MODEL}.cfg',
  gigaset: '%%BASE%%%%MAC%%.xml',
  audiocodes: '%%BASE%%',
  akuvox: '%%BASE%%',
  unknown: '%%BASE%%',
  default: '%%BASE%%',
};

const DEFAULT_PORT: Record<Scheme, number> = { http: 80, https: 443, tftp: 69 };

/** `http://10.0.0.1:8080/provisioning/`; path '' means '/provisioning' for HTTP(S) and '/' for TFTP. */
export function baseUrl(scheme: Scheme, address: string, port: number, path: string): string {
  const p = path === '' ? (scheme === 'tftp' ? '/' : '/provisioning') : path;
  const norm = ('/' + p.replace(/^\/+/, '')).replace(/\/*$/, '/');
  const host = address.includes(':') ? `[${address}]` : address;
  const portPart = port > 0 && port !== DEFAULT_PORT[scheme] ? `:${port}` : '';
  return `${scheme}://${host}${portPart}${norm}`;
}

const NEEDS_MAC = /%%MAC(UPPER)?%%/;
const NEEDS_MODEL = /%%MODEL%%/;

function fits(t: string, dev: DeviceInfo): boolean {
  return !(NEEDS_MAC.test(t) && !dev.mac) && !(NEEDS_MODEL.test(t) && !dev.model);
}

/** One `pnp.modelUrls` entry: a vendor and a model glob, and the template for phones that match. */
export interface ModelUrl { vendor: Vendor; model: RegExp; template: string; source: string }

/**
 * Parses `vendor/model-glob=template`; returns a reason string for a bad entry. Globs are
 * compiled to anchored regexes with only * and ? special, so an entry cannot cost more than
 * a linear scan of the (short, sanitised) model name.
 */
export function parseModelUrl(entry: string, vendors: readonly string[]): ModelUrl | string {
  const m = /^([a-z]+)\/([^=\s]+)=(\S.*)$/i.exec(entry.trim());
  if (!m) return 'must look like "vendor/model-glob=template", e.g. "yealink/T5*=%%BASE%%t5x/"';
  const vendor = m[1]!.toLowerCase();
  if (!vendors.includes(vendor)) return `unknown vendor '${m[1]}' (one of ${vendors.join(', ')})`;
  const glob = m[2]!;
  if (!/^[A-Za-z0-9._*?-]+$/.test(glob)) return `model glob '${glob}' may hold letters, digits, . _ - and the wildcards * ?`;
  const rx = new RegExp(`^${glob.replace(/[.]/g, '\\.').replace(/\*+/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return { vendor: vendor as Vendor, model: rx, template: m[3]!, source: entry };
}

export function pnpUrl(dev: DeviceInfo, base: string, templates: UrlTemplates, models: readonly ModelUrl[] = []): string {
  const byModel = dev.model ? models.find((x) => x.vendor === dev.vendor && x.model.test(dev.model!))?.template : undefined;
  const pick = [byModel, templates[dev.vendor], templates.default, '%%BASE%%'].find((t) => t !== undefined && t !== '' && fits(t, dev))!;
  const model = (dev.model ?? '').replace(/[^A-Za-z0-9._-]/g, '');
  return pick
    .replaceAll('%%BASE%%', base)
    .replaceAll('%%MACUPPER%%', (dev.mac ?? '').toUpperCase())
    .replaceAll('%%MAC%%', dev.mac ?? '')
    .replaceAll('%%MODEL%%', model)
    .replaceAll('%%VENDOR%%', dev.vendor);
}
