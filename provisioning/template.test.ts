import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError } from '../agent/errors.ts';
import { escapeValue, parseTemplate, renderTemplate, unknownPlaceholders } from './template.ts';

const values: Record<string, string> = {
  DISPLAYNAME: '%%SIPPASSWORD%%', SIPPASSWORD: 'secret', SIPUSERNAME: '201', EMPTY: '', TRANSPORT: 'TLS', _SITE: 'Rome & Milan',
};
const lookup = (n: string): string | undefined => values[n];
const render = (body: string, format: 'xml' | 'text' = 'text', strict = true) =>
  renderTemplate(parseTemplate(body), lookup, { format, strict });

test('rendering is a single pass: a value that looks like a placeholder stays literal', () => {
  const r = render('name=%%DISPLAYNAME%%\npw=%%SIPPASSWORD%%\n');
  assert.equal(r.text, 'name=%%SIPPASSWORD%%\npw=secret\n');
  assert.deepEqual(r.warnings, []);
});

test('XML escaping covers & < > " \' in values, and only in values', () => {
  const vals: Record<string, string> = { V: `a&b<c>d"e'f` };
  const r = renderTemplate(parseTemplate('<x a="%%V%%">%%V%%</x>'), (n) => vals[n], { format: 'xml', strict: true });
  assert.equal(r.text, '<x a="a&amp;b&lt;c&gt;d&quot;e&apos;f">a&amp;b&lt;c&gt;d&quot;e&apos;f</x>');
  assert.equal(render('<a>&amp; %%_SITE%%</a>', 'xml').text, '<a>&amp; Rome &amp; Milan</a>');
});

test('text files: CR, LF and other controls are stripped from values so they cannot add keys', () => {
  const vals: Record<string, string> = { N: 'Mario\r\naccount.1.password = x\tok\u0000' };
  const r = renderTemplate(parseTemplate('account.1.label = %%N%%\n'), (n) => vals[n], { format: 'text', strict: true });
  assert.equal(r.text, 'account.1.label = Marioaccount.1.password = x\tok\n');
  assert.equal(escapeValue('a\nb', 'xml'), 'ab');
});

test('an unknown placeholder is a TemplateError with its name and line when strict (save, check, preview)', () => {
  assert.throws(() => render('a\nb\nx=%%NOPE%%\n%%ALSO_NOT%%'), (e: unknown) => {
    assert.ok(e instanceof TemplateError);
    assert.match(e.message, /%%NOPE%% at line 3/);
    assert.match(e.message, /%%ALSO_NOT%% \(line 4\)/);
    assert.deepEqual((e.detail as { placeholder: string; line: number }).placeholder, 'NOPE');
    assert.equal((e.detail as { line: number }).line, 3);
    return true;
  });
});

test('an unknown placeholder renders empty with a warning when served (lenient)', () => {
  const r = render('a=%%NOPE%%;b=%%SIPUSERNAME%%', 'text', false);
  assert.equal(r.text, 'a=;b=201');
  assert.deepEqual(r.warnings, ['unknown placeholder %%NOPE%% at line 1 rendered empty']);
});

test('value maps translate values; unmatched values pass through escaped; * is the default', () => {
  assert.equal(render('%%TRANSPORT(udp=0|tcp=1|tls=2)%%').text, '2');
  assert.equal(render('%%TRANSPORT(udp=0)%%').text, 'TLS');
  assert.equal(render('%%TRANSPORT(udp=0|*=9)%%').text, '9');
  assert.equal(render('%%EMPTY(=admin)%%/%%SIPUSERNAME(=admin)%%').text, 'admin/201');
  assert.equal(render('%%_SITE(x=y)%%', 'xml').text, 'Rome &amp; Milan');
  assert.equal(render('%%TRANSPORT(tls=Italy(Rome))%%').text, 'Italy(Rome)');
  assert.throws(() => parseTemplate('ok\n%%TRANSPORT(udp)%%'), (e: unknown) => e instanceof TemplateError && /line 2/.test(e.message) && /no '='/.test(e.message));
  assert.throws(() => parseTemplate('%%TRANSPORT()%%'), TemplateError);
});

test('only %%UPPER%% and %%_CUSTOM%% are placeholders; other percent signs are text', () => {
  const p = parseTemplate('100%% sure %%lower%% %% X %% %%%%SIPUSERNAME%% %%_1A%% %%9X%%');
  assert.deepEqual(p.placeholders.map((x) => x.name), ['SIPUSERNAME', '_1A']);
  const r = renderTemplate(p, (n) => (n === 'SIPUSERNAME' ? 'u' : n === '_1A' ? 'c' : undefined), { format: 'text', strict: true });
  assert.equal(r.text, '100%% sure %%lower%% %% X %% %%u c %%9X%%');
});

test('line and column of each placeholder are reported', () => {
  const p = parseTemplate('one\n  %%A%% %%B%%\n\n%%C%%');
  assert.deepEqual(p.placeholders.map((x) => [x.name, x.line, x.column]), [['A', 2, 3], ['B', 2, 9], ['C', 4, 1]]);
  assert.deepEqual(unknownPlaceholders(p, (n) => n === 'B'), [{ placeholder: 'A', line: 2 }, { placeholder: 'C', line: 4 }]);
});
