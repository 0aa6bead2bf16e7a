import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundTrip } from '../../test/fuzz/codec.ts';
import { decode, encode, encodeInto, encodingLength, getOption, MIN_MESSAGE_LENGTH, optionsWithOverload, type DhcpMessage } from './codec.ts';
import { decodeOptionValue, encodeOptionText, optionCode, optionName, OPT } from './options.ts';
import { intToIp, ipToInt } from '../lib/ipv4.ts';
import { clientMessage } from './testing.ts';

const codec = { decode, encode, encodeInto, encodingLength };

test('round trip: a DISCOVER with options, encoded at an offset too', () => {
  const m = clientMessage('DISCOVER', { prl: [1, 3, 6, 66, 150], vendorClass: 'yealink', hostname: 'phone1' });
  const buf = roundTrip(codec, m);
  assert.equal(buf.length, MIN_MESSAGE_LENGTH, 'padded to the BOOTP minimum');
});

test('unknown options round-trip as raw bytes and are named UNKNOWN_n', () => {
  const m = clientMessage('REQUEST', { extra: [{ code: 224, data: Buffer.from([1, 2, 3]) }, { code: 77, data: Buffer.alloc(0) }] });
  const back = decode(encode(m));
  assert.ok(back.ok);
  assert.deepEqual(getOption(back.value, 224), Buffer.from([1, 2, 3]));
  assert.equal(optionName(224), 'UNKNOWN_224');
  assert.equal(optionCode('UNKNOWN_224'), 224);
  assert.equal(optionCode('tftp-server-name'), 66);
  assert.equal(optionCode('255'), undefined);
});

test('long options are split (RFC 3396) and concatenated on decode', () => {
  const big = Buffer.alloc(600, 7);
  const m = clientMessage('INFORM', { extra: [{ code: 43, data: big }] });
  const buf = roundTrip(codec, m);
  // 53 (3 bytes) + 43 as three instances (255 + 255 + 90 data, 6 header bytes) + END.
  assert.equal(buf.length, 240 + 3 + 606 + 1);
  const d = decode(buf);
  assert.ok(d.ok);
  assert.equal(getOption(d.value, 43)!.length, 600);
});

test('PAD bytes anywhere in the options are skipped; bytes after END are ignored', () => {
  const buf = Buffer.concat([encode(clientMessage('DISCOVER')).subarray(0, 240), Buffer.from([0, 0, 53, 1, 1, 0, 61, 2, 1, 2, 255, 9, 9, 9])]);
  const d = decode(buf);
  assert.ok(d.ok);
  assert.deepEqual(d.value.options.map((o) => o.code), [53, 61]);
});

const table: Array<[string, Buffer, string]> = (() => {
  const good = encode(clientMessage('DISCOVER'));
  const mut = (f: (b: Buffer) => void): Buffer => { const b = Buffer.from(good); f(b); return b; };
  return [
    ['empty', Buffer.alloc(0), 'PBX_ERR_DHCP_TRUNCATED'],
    ['header only', good.subarray(0, 239), 'PBX_ERR_DHCP_TRUNCATED'],
    ['op 3', mut((b) => { b[0] = 3; }), 'PBX_ERR_DHCP_BAD_OP'],
    ['hlen 0', mut((b) => { b[2] = 0; }), 'PBX_ERR_DHCP_BAD_HLEN'],
    ['hlen 17', mut((b) => { b[2] = 17; }), 'PBX_ERR_DHCP_BAD_HLEN'],
    ['bad cookie', mut((b) => { b.writeUInt32BE(0xdeadbeef, 236); }), 'PBX_ERR_DHCP_BAD_COOKIE'],
    ['option overrun', Buffer.concat([good.subarray(0, 240), Buffer.from([53, 1, 1, 61, 9, 1])]), 'PBX_ERR_DHCP_OPTION_OVERRUN'],
    ['length byte missing', Buffer.concat([good.subarray(0, 240), Buffer.from([53])]), 'PBX_ERR_DHCP_OPTION_OVERRUN'],
  ];
})();

for (const [name, buf, code] of table) {
  test(`malformed: ${name} -> ${code}`, () => {
    const d = decode(buf);
    assert.equal(d.ok, false);
    if (!d.ok) assert.equal(d.error.code, code);
  });
}

test('option overload: options in file and sname are read (file first)', () => {
  const m: DhcpMessage = clientMessage('REQUEST');
  m.options.push({ code: OPT.OVERLOAD, data: Buffer.from([3]) });
  m.file.set([12, 2, 0x61, 0x62, 255]);
  m.sname.set([66, 1, 0x7a, 255]);
  const d = decode(encode(m));
  assert.ok(d.ok);
  const all = optionsWithOverload(d.value)!;
  assert.deepEqual(all.map((o) => o.code).sort((a, b) => a - b), [12, 53, 66]);
  m.file.fill(0);
  m.file.set([12, 200], 120);
  assert.equal(optionsWithOverload(m), undefined);
});

test('option values: typed decode and admin text', () => {
  assert.equal(decodeOptionValue(1, Buffer.from([255, 255, 255, 0])), 0xffffff00);
  assert.deepEqual(decodeOptionValue(150, encodeOptionText(150, '10.0.0.1, 10.0.0.2')), [ipToInt('10.0.0.1'), ipToInt('10.0.0.2')]);
  assert.equal(decodeOptionValue(66, encodeOptionText(66, 'http://x/')), 'http://x/');
  assert.deepEqual(encodeOptionText(43, 'sub:1=ab,2=hex:0a0b'), Buffer.from([1, 2, 0x61, 0x62, 2, 2, 10, 11]));
  assert.deepEqual(encodeOptionText(2, '-1'), Buffer.from([255, 255, 255, 255]));
  assert.throws(() => encodeOptionText(3, '10.0.0.300'), /not an IPv4/);
  assert.equal(intToIp(ipToInt('192.168.1.254')!), '192.168.1.254');
});
