import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAsset } from './assets.ts';
import { contentTypeFor, parseRequestPath } from './names.ts';

test('request paths: plain names and folders pass, split into segments', () => {
  assert.deepEqual(parseRequestPath('y000000000000.cfg'), { ok: true, segments: ['y000000000000.cfg'] });
  assert.deepEqual(parseRequestPath('3f2b8c1e-9a4d-4c6b-8e2f-0a1b2c3d4e5f/snomD735-0015651A2B3C.htm'),
    { ok: true, segments: ['3f2b8c1e-9a4d-4c6b-8e2f-0a1b2c3d4e5f', 'snomD735-0015651A2B3C.htm'] });
  assert.deepEqual(parseRequestPath('ringtones/09_Step 3.mp3'), { ok: true, segments: ['ringtones', '09_Step 3.mp3'] });
  assert.deepEqual(parseRequestPath('00:15:65:1a:2b:3c.cfg'), { ok: true, segments: ['00:15:65:1a:2b:3c.cfg'] });
});

test('request paths: traversal, absolute, backslash, NUL, controls, dotfiles, odd characters and long names are refused', () => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['..', /climbs/],
    ['../etc/passwd', /climbs/],
    ['firmware/../../etc/passwd', /climbs/],
    ['./x.cfg', /climbs/],
    ['/etc/passwd', /absolute/],
    ['..\\..\\boot.ini', /backslash/],
    ['x.cfg\0.png', /control character or NUL/],
    ['x\r\n.cfg', /control character/],
    ['a//b', /empty path segment/],
    ['a/', /empty path segment/],
    ['.htaccess', /hidden/],
    ['firmware/.git', /hidden/],
    ['%2e%2e/%2e%2e/etc/passwd', /character outside/],
    ['x?.cfg', /character outside/],
    ['x<y>.cfg', /character outside/],
    [' lead.cfg', /character outside/],
    ['a'.repeat(600), /longer than 512/],
    [`${'a/'.repeat(10)}x`, /more than 8/],
    ['d/' + 'b'.repeat(300), /segment longer than 255/],
  ];
  for (const [path, re] of bad) {
    const r = parseRequestPath(path);
    assert.equal(r.ok, false, JSON.stringify(path));
    if (!r.ok) assert.match(r.detail, re, JSON.stringify(path));
  }
});

test('content types by extension', () => {
  assert.equal(contentTypeFor('cfgc074ad000001.xml'), 'application/xml');
  assert.equal(contentTypeFor('y000000000000.cfg'), 'text/plain');
  assert.equal(contentTypeFor('notes.TXT'), 'text/plain');
  assert.equal(contentTypeFor('snomD735.htm'), 'text/html');
  for (const f of ['sip.ld', 'fw.rom', 'fw.bin', 'noext', 'x.unknown']) assert.equal(contentTypeFor(f), 'application/octet-stream', f);
  assert.equal(contentTypeFor('wall.png'), 'image/png');
});

test('assets: found under the root; a symlink pointing outside is an escape; folders and missing files are missing', async () => {
  const base = mkdtempSync(join(tmpdir(), 'pbx-assets-'));
  const root = join(base, 'assets');
  mkdirSync(join(root, 'firmware'), { recursive: true });
  writeFileSync(join(root, 'firmware', 'T46S.rom'), 'ROM!');
  writeFileSync(join(base, 'secret.txt'), 'top secret');
  symlinkSync(join(base, 'secret.txt'), join(root, 'leak.txt'));
  symlinkSync(base, join(root, 'up'));
  symlinkSync(join(root, 'firmware', 'T46S.rom'), join(root, 'alias.rom'));

  const found = await findAsset(root, ['firmware', 'T46S.rom']);
  assert.equal(found.kind, 'found');
  if (found.kind === 'found') assert.equal(found.size, 4);
  assert.equal((await findAsset(root, ['alias.rom'])).kind, 'found', 'a symlink inside the root is fine');
  assert.equal((await findAsset(root, ['leak.txt'])).kind, 'escape');
  assert.equal((await findAsset(root, ['up', 'secret.txt'])).kind, 'escape');
  assert.equal((await findAsset(root, ['firmware'])).kind, 'missing');
  assert.equal((await findAsset(root, ['nope.bin'])).kind, 'missing');
  assert.equal((await findAsset(join(base, 'no-such-root'), ['x'])).kind, 'missing');
});
