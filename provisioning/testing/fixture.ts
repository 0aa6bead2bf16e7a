// Test fixture: an in-memory store with the built-ins seeded and a provisioning engine over it.
import type { Config } from '../../agent/config/types.ts';
import { openDatabase, type Db } from '../../agent/store/db.ts';
import type { FileRequest, FileResult, Transport } from '../file-source.ts';
import { createProvisioning, type Provisioning } from '../resolver.ts';
import type { ProvisioningService } from '../service.ts';
import type { ProvisioningFacts } from '../types.ts';

export const PBX: Config['pbx'] = {
  address: '192.0.2.1', sipUdpPort: 5060, sipTcpPort: 5060, sipTlsPort: 5061,
  domain: '', ntpServer: '', timezone: 'Europe/Rome', language: 'English',
};

export const ACTOR = { user: 'alice', source: 'test' };

export interface Fixture {
  db: Db;
  prov: Provisioning;
  s: ProvisioningService;
  get(path: string, transport?: Transport, userAgent?: string): Promise<FileResult>;
  text(path: string): Promise<string>;
}

export function fixture(opts: {
  multiTenant?: boolean; assetsDir?: string; facts?: ProvisioningFacts; now?: () => Date; pbx?: Partial<Config['pbx']>;
} = {}): Fixture {
  const db = openDatabase(':memory:');
  const prov = createProvisioning({
    db,
    config: { pbx: { ...PBX, ...opts.pbx }, provisioning: { multiTenant: opts.multiTenant ?? false, assetsDir: '', httpPath: '/provisioning' } },
    assetsDir: opts.assetsDir ?? '/nonexistent/pbx-agent-assets',
    facts: opts.facts ?? { ipv4Of: (iface) => (iface === 'eth0' ? '192.0.2.1' : iface === 'eth0.100' ? '10.100.0.1' : undefined) },
    now: opts.now ?? (() => new Date('2026-03-02T09:00:00Z')),
  });
  const get = (path: string, transport: Transport = 'http', userAgent?: string): Promise<FileResult> => {
    const req: FileRequest = { path, transport, client: { ip: '192.0.2.50', port: 40000, ...(userAgent ? { userAgent } : {}) } };
    return prov.source.get(req);
  };
  const text = async (path: string): Promise<string> => {
    const r = await get(path);
    if (!r.ok) throw new Error(`${path} not served: ${r.reason}: ${r.detail}`);
    if (r.body.kind !== 'buffer') throw new Error(`${path} is an asset`);
    return r.body.data.toString('utf8');
  };
  return { db, prov, s: prov.service, get, text };
}
