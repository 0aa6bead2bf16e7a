import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intToIp, ipToInt, maskToPrefix, prefixToMask, unmapIPv4 } from './ipv4.ts';

test('ipToInt reads dotted quads as unsigned 32-bit numbers; intToIp writes them back', () => {
  assert.equal(ipToInt('0.0.0.0'), 0);
  assert.equal(ipToInt('10.0.0.1'), 0x0a000001);
  assert.equal(ipToInt('192.168.1.254'), 0xc0a801fe);
  assert.equal(ipToInt('255.255.255.255'), 0xffffffff);
  assert.equal(ipToInt('010.0.0.1'), 0x0a000001, 'leading zeros are decimal, not octal');
  for (const ip of ['0.0.0.0', '10.0.0.1', '128.0.0.0', '192.168.1.254', '255.255.255.255']) assert.equal(intToIp(ipToInt(ip)!), ip);
});

test('ipToInt refuses anything but four dotted octets of 0..255', () => {
  for (const s of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.1000', ' 1.2.3.4', '1.2.3.4 ', '1..2.3', '0x1.2.3.4', '1.2.3.4/24', '::ffff:1.2.3.4']) {
    assert.equal(ipToInt(s), undefined, s);
  }
});

test('prefixToMask and maskToPrefix are inverse for /0../32; a non-contiguous mask has no prefix', () => {
  assert.equal(prefixToMask(0), 0);
  assert.equal(prefixToMask(24), 0xffffff00);
  assert.equal(prefixToMask(32), 0xffffffff);
  for (let len = 0; len <= 32; len++) assert.equal(maskToPrefix(prefixToMask(len)), len);
  assert.equal(maskToPrefix(ipToInt('255.0.255.0')!), undefined);
  assert.equal(maskToPrefix(ipToInt('0.0.0.255')!), undefined);
});

test('unmapIPv4 strips the IPv4-mapped IPv6 prefix of a dual-stack socket and leaves the rest', () => {
  assert.equal(unmapIPv4('::ffff:10.0.0.2'), '10.0.0.2');
  assert.equal(unmapIPv4('10.0.0.2'), '10.0.0.2');
  assert.equal(unmapIPv4('::1'), '::1');
  assert.equal(unmapIPv4('fe80::1'), 'fe80::1');
  assert.equal(unmapIPv4(''), '');
});
