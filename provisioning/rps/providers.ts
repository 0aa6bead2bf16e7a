// The redirection services pbx-agent can register phones with: one row per vendor API, with its
// brand (a server is configured per brand, and only that brand's devices can be linked to it),
// its real endpoint (the default; tests and private mirrors set another base URL) and the
// client that speaks it.
import { createFanvilClient } from './clients/fanvil.ts';
import { createGigasetClient } from './clients/gigaset.ts';
import { createSnomClient } from './clients/snom.ts';
import type { ClientOptions, ProviderId, RpsClient } from './clients/types.ts';
import { createYealinkClient } from './clients/yealink.ts';
import { createYmcsClient } from './clients/ymcs.ts';
import { defaultRpsConfig } from './config-schema.ts';

/** The endpoints' defaults live in the config schema (rps.snomUrl...), written once. */
const ENDPOINT = defaultRpsConfig();

export interface ProviderInfo {
  id: ProviderId;
  label: string;
  brand: string;
  defaultBaseUrl: string;
  /** Gigaset: the MAC-ID CRC from the label is part of the device key. */
  needsCrc: boolean;
  /** What `username` / `password` mean for this provider (CLI help, errors). */
  credentials: string;
  /** Default for the server name / provider name sent to the vendor. */
  defaultServerName: string;
  create(o: ClientOptions): RpsClient;
}

export const PROVIDERS: Readonly<Record<ProviderId, ProviderInfo>> = {
  snom: {
    id: 'snom', label: 'Snom redirection service (XML-RPC)', brand: 'Snom',
    defaultBaseUrl: ENDPOINT.snomUrl, needsCrc: false,
    credentials: 'Snom redirection account user and password (HTTP Basic)', defaultServerName: '', create: createSnomClient,
  },
  yealink: {
    id: 'yealink', label: 'Yealink RPS, legacy XML-RPC', brand: 'Yealink',
    defaultBaseUrl: ENDPOINT.yealinkUrl, needsCrc: false,
    credentials: 'Yealink RPS account user and password (HTTP Basic)', defaultServerName: 'pbx-agent', create: createYealinkClient,
  },
  ymcs: {
    id: 'ymcs', label: 'Yealink YMCS RPS (REST, OAuth2 client credentials)', brand: 'Yealink',
    defaultBaseUrl: ENDPOINT.ymcsUrl, needsCrc: false,
    credentials: 'YMCS OAuth client id (username) and client secret (password)', defaultServerName: '', create: createYmcsClient,
  },
  gigaset: {
    id: 'gigaset', label: 'Gigaset redirect server (XML-RPC)', brand: 'Gigaset',
    defaultBaseUrl: ENDPOINT.gigasetUrl, needsCrc: true,
    credentials: 'Gigaset provider account user and password (HTTP Basic)', defaultServerName: 'pbx-agent', create: createGigasetClient,
  },
  fanvil: {
    id: 'fanvil', label: 'Fanvil FDPS (XML-RPC)', brand: 'Fanvil',
    defaultBaseUrl: ENDPOINT.fanvilUrl, needsCrc: false,
    credentials: 'FDPS user and password (sent as double MD5, HTTP Basic)', defaultServerName: '', create: createFanvilClient,
  },
};

export const PROVIDER_IDS = Object.keys(PROVIDERS) as ProviderId[];

export function isProviderId(s: string): s is ProviderId {
  return Object.hasOwn(PROVIDERS, s);
}
