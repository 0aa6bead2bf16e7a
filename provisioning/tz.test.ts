import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetHours, posixTz, timezoneInfo } from './tz.ts';

test('time-zone facts come from the IANA name: offset, DST rules, POSIX string', () => {
  const rome = timezoneInfo('Europe/Rome', 2026)!;
  assert.equal(rome.stdOffsetMin, 60);
  assert.equal(posixTz(rome), 'CET-1CEST,M3.5.0,M10.5.0/3');
  assert.deepEqual(rome.dst?.start, { month: 3, week: 5, weekday: 0, minutes: 120 });
  assert.deepEqual(rome.dst?.end, { month: 10, week: 5, weekday: 0, minutes: 180 });
  assert.equal(posixTz(timezoneInfo('America/New_York', 2026)!), 'EST5EDT,M3.2.0,M11.1.0');
  const kolkata = timezoneInfo('Asia/Kolkata', 2026)!;
  assert.equal(kolkata.dst, undefined);
  assert.equal(offsetHours(kolkata.stdOffsetMin), '+5:30');
  assert.equal(posixTz(timezoneInfo('UTC', 2026)!), 'UTC0');
  assert.equal(posixTz(timezoneInfo('Australia/Sydney', 2026)!), 'AEST-10AEDT,M10.1.0,M4.1.0/3');
  assert.equal(timezoneInfo('Not/AZone', 2026), undefined);
});

test('offsets in hours as phones write them', () => {
  assert.deepEqual([60, -300, 0, 330, -210].map(offsetHours), ['+1', '-5', '0', '+5:30', '-3:30']);
});
