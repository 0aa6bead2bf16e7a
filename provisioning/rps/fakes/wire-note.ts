// Prints what each vendor call looks like on the wire (method, path, headers, body), by running
// every client once against its fake: `node provisioning/rps/fakes/wire-note.ts`. The note in the
// README/issue is this output; it cannot drift from the code that sends it.
import { createFanvilClient } from '../clients/fanvil.ts';
import { createGigasetClient } from '../clients/gigaset.ts';
import { createSnomClient } from '../clients/snom.ts';
import { createYealinkClient } from '../clients/yealink.ts';
import { createYmcsClient } from '../clients/ymcs.ts';
import type { WireRecord } from './base.ts';
import { startXmlRpcFake } from './xmlrpc-fakes.ts';
import { startYmcsFake } from './ymcs-fake.ts';

const URL = 'https://pbx.example.com/provisioning/';
const SHOWN = ['content-type', 'authorization', 'timestamp', 'nonce', 'accept'];

function print(title: string, wire: WireRecord[]): void {
  console.log(`\n### ${title}`);
  wire.forEach((w, i) => {
    const h = SHOWN.filter((k) => w.headers[k] !== undefined).map((k) => `${k}: ${k === 'authorization' ? w.headers[k]!.replace(/ (.{6}).*/, ' $1…') : w.headers[k]}`);
    console.log(`${i + 1}. ${w.method} ${w.path}\n   ${h.join('\n   ')}\n   ${w.body}${w.reply ? `\n   <- HTTP ${w.reply.status} ${w.reply.body}` : ''}`);
  });
}

const opts = { username: 'acme', password: 'secret', timeoutMs: 5000 };
for (const [vendor, create, mac, extra] of [
  ['snom', createSnomClient, '000413aabbcc', {}], ['yealink', createYealinkClient, '805ec0aabbcc', {}],
  ['gigaset', createGigasetClient, '7c2f80aabbcc', { crc: '3F9K' }], ['fanvil', createFanvilClient, '0c383eaabbcc', {}],
] as const) {
  const fake = await startXmlRpcFake(vendor, { accounts: { acme: 'secret' } });
  await create({ ...opts, baseUrl: fake.url, serverName: 'pbx-agent' }).register({ mac, url: URL, ...extra });
  print(`${vendor} register`, fake.wire);
  await fake.close();
}
const ymcs = await startYmcsFake({ clients: { acme: 'secret' } });
const r = await createYmcsClient({ ...opts, baseUrl: ymcs.url.replace(/\/v2\/$/, ''), serverName: '' }).register({ mac: '805ec0aabbcc', url: URL });
print(`ymcs register (PIN ${r.pin})`, ymcs.wire);
await ymcs.close();
