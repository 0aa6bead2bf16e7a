// sipp as a phone receiving a resync NOTIFY (test/fetch-security/resync.test.ts,
// test/e2e/resync-on-change.test.ts): a UAS scenario that checks the Event header and answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A sipp UAS that receives one NOTIFY whose Event header must match `event` exactly, answers `status`. */
export function notifyScenario(event: string, status = '200 OK', pauseMs = 0): string {
  const re = `^ *${event.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} *$`;
  const recv = `  <recv request="NOTIFY">\n    <action>\n      <ereg regexp="${re}" search_in="hdr" header="Event:" check_it="true" assign_to="1"/>\n    </action>\n  </recv>\n`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="phone receiving a resync NOTIFY">
${recv}${pauseMs ? `  <pause milliseconds="${pauseMs}"/>\n` : ''}  <send>
    <![CDATA[
      SIP/2.0 ${status}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <Reference variables="1"/>
</scenario>
`;
}

export interface Sipp { proc: ChildProcess; exited: Promise<{ code: number | null; out: string }> }

/** Runs one sipp call (-m 1) of the scenario on ip:port; it fails after 20 s without one. */
export function startSipp(dir: string, name: string, xml: string, ip: string, port: number): Sipp {
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, xml);
  const proc = spawn('sipp', ['-sf', file, '-i', ip, '-p', String(port), '-m', '1', '-nostdin', '-timeout', '20s', '-timeout_error',
    '-trace_err', '-error_file', join(dir, `${name}.err`)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  return { proc, exited: new Promise((r) => proc.on('exit', (code) => r({ code, out }))) };
}

export async function waitUdpBound(port: number, ip: string): Promise<void> {
  // sipp binds at start; /proc/net/udp says when it holds the port (a probe bind of our own
  // could steal the port from it).
  const want = `${ip.split('.').reverse().map((o) => Number(o).toString(16).padStart(2, '0')).join('').toUpperCase()}:${port.toString(16).padStart(4, '0').toUpperCase()}`;
  for (let i = 0; i < 300; i++) {
    if (readFileSync('/proc/net/udp', 'utf8').includes(` ${want} `)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sipp did not bind ${ip}:${port}`);
}
