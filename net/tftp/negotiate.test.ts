import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate } from './negotiate.ts';

const limits = { maxBlksize: 1468, maxWindowsize: 16 };
const req = (o: Record<string, string>) => new Map(Object.entries(o));

test('no recognised option: no OACK, RFC 1350 defaults', () => {
  assert.deepEqual(negotiate(req({}), limits, 10), { blksize: 512, windowsize: 1, timeoutMs: null, oack: null });
  assert.deepEqual(negotiate(req({ multicast: '', utimeout: '1000' }), limits, 10).oack, null);
});

test('values in range are granted as asked, in the client order', () => {
  const n = negotiate(req({ tsize: '0', blksize: '1428', timeout: '3', windowsize: '8' }), limits, 12345);
  assert.deepEqual([...n.oack!], [['tsize', '12345'], ['blksize', '1428'], ['timeout', '3'], ['windowsize', '8']]);
  assert.equal(n.blksize, 1428);
  assert.equal(n.windowsize, 8);
  assert.equal(n.timeoutMs, 3000);
});

test('out-of-range values are clamped, not refused', () => {
  const cases: [Record<string, string>, string, string][] = [
    [{ blksize: '99999' }, 'blksize', '1468'],
    [{ blksize: '99999999999999999999999' }, 'blksize', '1468'],
    [{ blksize: '4' }, 'blksize', '8'],
    [{ windowsize: '1000' }, 'windowsize', '16'],
    [{ windowsize: '0' }, 'windowsize', '1'],
    [{ timeout: '0' }, 'timeout', '1'],
    [{ timeout: '1000' }, 'timeout', '255'],
  ];
  for (const [r, k, v] of cases) assert.equal(negotiate(req(r), limits, 1).oack?.get(k), v, JSON.stringify(r));
  assert.equal(negotiate(req({ blksize: '99999' }), { maxBlksize: 65464, maxWindowsize: 64 }, 1).blksize, 65464);
});

test('tsize is answered with the real size whatever the client sent', () => {
  assert.equal(negotiate(req({ tsize: '0' }), limits, 0).oack?.get('tsize'), '0');
  assert.equal(negotiate(req({ tsize: '77' }), limits, 10485760).oack?.get('tsize'), '10485760');
});

test('non-decimal values are ignored like unknown options', () => {
  for (const v of ['', 'abc', '-1', '+5', ' 512', '5e3', '0x200']) {
    assert.equal(negotiate(req({ blksize: v }), limits, 1).oack, null, v);
  }
});
