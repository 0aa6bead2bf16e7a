import type { PnpConfig } from '../../net/sip/config-schema.ts';
import type { DhcpConfig } from '../../net/dhcp/config-schema.ts';
import type { HaConfig } from '../../cluster/config-schema.ts';
import type { FetchAuthConfig } from '../../net/http/auth-config.ts';
import type { RpsConfig } from '../../provisioning/rps/config-schema.ts';

// The typed config the rest of the code receives. Mirrors SCHEMA (a unit test keeps them in step).

export interface Config {
  node: { name: string; serial: string };
  state: { dir: string; synchronous: 'full' | 'normal' };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  control: { socket: string; group: string };
  pbx: {
    address: string; sipUdpPort: number; sipTcpPort: number; sipTlsPort: number;
    domain: string; ntpServer: string; timezone: string; language: string;
  };
  provisioning: {
    multiTenant: boolean; assetsDir: string; httpPath: string;
    /** Optional so test configs built by hand may leave them out (= 'off', 5000, 10). */
    resyncOnChange?: 'off' | 'check-sync'; resyncDelayMs?: number; resyncRatePerSec?: number;
  };
  tftp: {
    enabled: boolean; address: string; port: number; maxBlksize: number; maxWindowsize: number;
    retransmitMs: number; retries: number; maxSessions: number; maxSessionsPerClient: number;
    /** Optional so test configs built by hand may leave it out (= 'auto'). */
    engine?: 'auto' | 'native' | 'js';
  };
  http: {
    enabled: boolean; address: string; port: number; httpsEnabled: boolean; httpsPort: number;
    certFile: string; keyFile: string;
    /** Fetch security (net/http/auth-config.ts). Optional so test configs built by hand may leave it out (= defaults). */
    auth?: FetchAuthConfig;
  };
  pnp: PnpConfig;
  dhcp: DhcpConfig;
  ha: HaConfig;
  rps: RpsConfig;
}
