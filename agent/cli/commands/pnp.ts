// pbxctl pnp ...: phones seen by SIP plug-and-play (methods pnp.*), and adopting one as a device.
import type { SeenView } from '../../../net/sip/pnp-methods.ts';
import type { DeviceView } from '../../../provisioning/service.ts';
import type { CliIo, Command } from '../command.ts';
import { keyValues, table } from '../format.ts';
import { MAC } from './shared.ts';

/** What happened to the phone's SUBSCRIBE, in one cell: the URL it was given, or why not. */
const outcome = (s: SeenView): string => (s.url ? s.url : `not answered: ${s.refused ?? 'unknown'}`);

function block(r: unknown, io: CliIo): void {
  const s = r as SeenView;
  io.out(keyValues({
    mac: s.mac, vendor: s.vendor ?? '', model: s.model ?? '', firmware: s.firmware ?? '',
    address: `${s.ip}:${s.port}`, lastSeen: s.lastSeen, answered: s.url ?? 'no', refused: s.refused ?? '',
  }));
}

export const pnpCommands: Command[] = [
  {
    path: ['pnp', 'list'],
    summary: 'List phones seen by SIP PnP: MAC, vendor, model, firmware, IP, when, the URL answered or why not',
    options: [
      { name: 'since', type: 'string', help: 'only phones seen since then: 30m, 2h, 7d, or a date/time like 2026-11-01T08:00:00Z' },
      { name: 'limit', type: 'int', help: 'at most this many rows (default 1000)' },
    ],
    examples: ['pbxctl pnp list', 'pbxctl pnp list --since 1h', 'pbxctl --json pnp list'],
    method: 'pnp.list',
    render: (r, io) => {
      const rows = r as SeenView[];
      if (rows.length === 0) { io.out('no phone seen yet (phones send a SIP PnP SUBSCRIBE when they boot with no configuration)\n'); return; }
      io.out(table(rows, [
        { header: 'MAC', get: (s) => s.mac }, { header: 'VENDOR', get: (s) => s.vendor ?? '' }, { header: 'MODEL', get: (s) => s.model ?? '' },
        { header: 'FIRMWARE', get: (s) => s.firmware ?? '' }, { header: 'IP', get: (s) => s.ip }, { header: 'LAST SEEN', get: (s) => s.lastSeen },
        { header: 'ANSWER', get: outcome },
      ]));
    },
  },
  {
    path: ['pnp', 'show'],
    summary: 'Show one phone seen by SIP PnP',
    positionals: [MAC],
    examples: ['pbxctl pnp show 80:5E:C0:12:34:56'],
    method: 'pnp.show',
    render: block,
  },
  {
    path: ['pnp', 'adopt'],
    summary: 'Turn a phone seen by PnP into a device (model guessed from what the phone said)',
    description: 'The model is taken from the vendor and model the phone sent in its SUBSCRIBE when exactly one\n'
      + 'model fits; otherwise name it with --model. Without --account the device is added disabled\n'
      + '(a device without an account gets no file); add one later with pbxctl device edit.',
    positionals: [MAC],
    options: [
      { name: 'model', type: 'string', help: 'model as Brand/Model (default: guessed from the SUBSCRIBE)' },
      { name: 'account', type: 'string', help: 'SIP account (user name or id) to link; the device is then enabled' },
      { name: 'enabled', type: 'bool', help: 'serve its files (default: on when --account is given)' },
    ],
    examples: ['pbxctl pnp adopt 805ec0123456 --account 201', 'pbxctl pnp adopt 000413aabbcc --model Snom/D7xx'],
    method: 'pnp.adopt',
    render: (r, io) => {
      const d = r as DeviceView;
      io.out(`device added: ${d.mac} (${d.model})${d.enabled ? '' : ', disabled until it has an account'}\n`);
      for (const f of d.files) io.out(`  serves ${f}\n`);
    },
  },
  {
    path: ['pnp', 'forget'],
    summary: 'Forget a phone seen by PnP (or all of them with --all)',
    positionals: [{ ...MAC, required: false }],
    options: [{ name: 'all', type: 'bool', help: 'forget every phone seen' }],
    examples: ['pbxctl pnp forget 805ec0123456', 'pbxctl pnp forget --all'],
    method: 'pnp.forget',
    render: (r, io) => io.out(`forgotten: ${(r as { forgotten: number }).forgotten}\n`),
  },
];
