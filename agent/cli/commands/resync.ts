// pbxctl device resync MAC: sends the phone's vendor NOTIFY (check-sync, resync...) to its last
// known address and says whether it answered (method device.resync).
// Exit status: 0 the phone answered 2xx; 9 it answered with an error status; 7 no answer.
import type { Command } from '../command.ts';
import { keyValues } from '../format.ts';
import { EXIT_OK } from '../run.ts';
import { MAC } from './shared.ts';

interface ResyncView {
  mac: string; event: string; answered: boolean; outcome: string; status?: number; reason?: string; provisional?: number;
  transmissions: number; ms: number; target: { address: string; port: number; source: string; at?: string }; error?: string;
}

export const resyncCommands: Command[] = [
  {
    path: ['device', 'resync'],
    summary: "Tell a phone to fetch its files again (SIP NOTIFY check-sync/resync), or to reboot",
    description: 'The NOTIFY goes to the last address the phone was seen at (PnP, DHCP lease or file fetch, newest first; else its static IP), retransmitted on SIP timers until it answers or 64*T1 pass. Exit status: 0 answered 2xx, 9 answered with an error, 7 no answer.',
    positionals: [MAC],
    options: [
      { name: 'reboot', type: 'bool', help: 'reboot the phone (check-sync;reboot=true)' },
      { name: 'address', type: 'string', help: 'send here instead: IPV4[:PORT]' },
      { name: 't1-ms', type: 'int', help: 'SIP timer T1 in ms (default 500; the wait ends after 64*T1)' },
    ],
    examples: ['pbxctl device resync 805EC0123456', 'pbxctl device resync 805EC0123456 --reboot', 'pbxctl device resync 000413A1B2C3 --address 10.0.0.21:5060'],
    run: async ({ client, io, params }) => {
      const r = await client.call<ResyncView>('device.resync', params);
      if (io.json) io.out(JSON.stringify(r, null, 2) + '\n');
      else {
        const said = r.answered ? `answered ${r.status} ${r.reason ?? ''}`.trim() : r.outcome === 'timeout' ? 'no answer (timed out)' : `${r.outcome}${r.error ? `: ${r.error}` : ''}`;
        io.out(keyValues({
          device: r.mac, event: r.event, to: `${r.target.address}:${r.target.port} (${r.target.source}${r.target.at ? `, seen ${r.target.at}` : ''})`,
          result: said, provisional: r.provisional, sent: `${r.transmissions} time(s) in ${r.ms} ms`,
        }));
      }
      if (r.answered && r.status !== undefined && r.status < 300) return EXIT_OK;
      return r.answered ? 9 : 7;
    },
  },
];
