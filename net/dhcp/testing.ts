// Builders for DHCP client messages, shared by unit tests, the fuzz target and the bench.
import { emptyMessage, type DhcpMessage } from './codec.ts';
import { MESSAGE_TYPES, OPT, type MessageTypeName } from './options.ts';
import { ipToInt } from '../lib/ipv4.ts';

export interface ClientMsgOpts {
  mac?: string;
  xid?: number;
  ciaddr?: string;
  giaddr?: string;
  broadcast?: boolean;
  requestedIp?: string;
  serverId?: string;
  prl?: number[];
  vendorClass?: string;
  hostname?: string;
  extra?: Array<{ code: number; data: Buffer }>;
}

const ip4 = (s: string): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(ipToInt(s)!);
  return b;
};

export function clientMessage(type: MessageTypeName, o: ClientMsgOpts = {}): DhcpMessage {
  const mac = Buffer.from((o.mac ?? '02aabbccdd01').replace(/:/g, ''), 'hex');
  const m = emptyMessage(1, o.xid ?? 0x1234, mac);
  if (o.ciaddr) m.ciaddr = ipToInt(o.ciaddr)!;
  if (o.giaddr) { m.giaddr = ipToInt(o.giaddr)!; m.hops = 1; }
  if (o.broadcast) m.flags = 0x8000;
  m.options.push({ code: OPT.MESSAGE_TYPE, data: Buffer.from([MESSAGE_TYPES[type]]) });
  if (o.requestedIp) m.options.push({ code: OPT.REQUESTED_IP, data: ip4(o.requestedIp) });
  if (o.serverId) m.options.push({ code: OPT.SERVER_ID, data: ip4(o.serverId) });
  if (o.prl) m.options.push({ code: OPT.PARAM_REQUEST_LIST, data: Buffer.from(o.prl) });
  if (o.vendorClass) m.options.push({ code: OPT.VENDOR_CLASS, data: Buffer.from(o.vendorClass, 'latin1') });
  if (o.hostname) m.options.push({ code: OPT.HOSTNAME, data: Buffer.from(o.hostname, 'latin1') });
  for (const e of o.extra ?? []) m.options.push(e);
  return m;
}
