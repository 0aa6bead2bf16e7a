// Time-zone facts for templates, derived from an IANA name (pbx.timezone) through the runtime's
// ICU data, so no table goes stale: the standard UTC offset, the DST saving and its start/end
// rules for a year (month, week of month with 5 = last, weekday, local time), and a POSIX TZ
// string. Phones want these in a dozen spellings; templates pick from the placeholders.

export interface DstRule {
  month: number;   // 1..12
  week: number;    // 1..4, or 5 = last in month
  weekday: number; // 0 = Sunday .. 6 = Saturday
  minutes: number; // local wall-clock time in minutes after midnight (the time in force before the change)
}

export interface TzInfo {
  name: string;
  stdOffsetMin: number;
  stdAbbr: string;
  dst?: { saveMin: number; abbr: string; start: DstRule; end: DstRule };
}

const DAY = 86_400_000;
const cache = new Map<string, TzInfo | null>();

/** Whether the runtime knows this IANA time-zone name. */
export function isKnownTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Time-zone facts for `name` during `year`, or undefined for an unknown zone. */
export function timezoneInfo(name: string, year: number): TzInfo | undefined {
  const key = `${name}|${year}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const info = isKnownTimezone(name) ? compute(name, year) : undefined;
  cache.set(key, info ?? null);
  return info;
}

function offsetFormatter(name: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset' });
}

function offsetAt(fmt: Intl.DateTimeFormat, ms: number): number {
  const v = fmt.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT([+-])(\d{1,2})(?::(\d{2}))?$/.exec(v);
  if (!m) return 0;
  const mins = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -mins : mins;
}

function compute(name: string, year: number): TzInfo {
  const fmt = offsetFormatter(name);
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const changes: { at: number; from: number; to: number }[] = [];
  let prev = offsetAt(fmt, start);
  for (let t = start + DAY; t <= end; t += DAY) {
    const cur = offsetAt(fmt, t);
    if (cur !== prev) {
      // Binary search to the minute: lo has the old offset, hi the new one.
      let lo = t - DAY;
      let hi = t;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (offsetAt(fmt, mid) === prev) lo = mid; else hi = mid;
      }
      changes.push({ at: hi, from: prev, to: cur });
      prev = cur;
    }
  }
  const jan = offsetAt(fmt, Date.UTC(year, 0, 15));
  const jul = offsetAt(fmt, Date.UTC(year, 6, 15));
  const std = Math.min(jan, jul);
  const dstOff = Math.max(jan, jul);
  const janMs = Date.UTC(year, 0, 15);
  const julMs = Date.UTC(year, 6, 15);
  const stdAbbr = abbreviation(name, jan === std ? janMs : julMs, std);
  if (std === dstOff) return { name, stdOffsetMin: std, stdAbbr };
  const on = changes.find((c) => c.to === dstOff && c.from === std);
  const off = changes.find((c) => c.to === std && c.from === dstOff);
  if (!on || !off) return { name, stdOffsetMin: std, stdAbbr };
  return {
    name,
    stdOffsetMin: std,
    stdAbbr,
    dst: {
      saveMin: dstOff - std,
      abbr: abbreviation(name, jan === std ? julMs : janMs, dstOff),
      start: ruleAt(on.at, std),
      end: ruleAt(off.at, dstOff),
    },
  };
}

function ruleAt(instant: number, offsetBeforeMin: number): DstRule {
  const local = new Date(instant + offsetBeforeMin * 60_000);
  const day = local.getUTCDate();
  const daysInMonth = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
  return {
    month: local.getUTCMonth() + 1,
    week: day + 7 > daysInMonth ? 5 : Math.ceil(day / 7),
    weekday: local.getUTCDay(),
    minutes: local.getUTCHours() * 60 + local.getUTCMinutes(),
  };
}

function abbreviation(name: string, ms: number, offsetMin: number): string {
  for (const locale of ['en-GB', 'en-US', 'en-AU']) {
    const v = new Intl.DateTimeFormat(locale, { timeZone: name, timeZoneName: 'short' })
      .formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (/^[A-Za-z]{3,6}$/.test(v) && !/^GMT$/.test(v)) return v.toUpperCase();
    if (v === 'GMT' && offsetMin === 0) return 'GMT';
  }
  return `<${offsetMin < 0 ? '-' : '+'}${hhmm(Math.abs(offsetMin), '')}>`;
}

function hhmm(mins: number, sep: string): string {
  const h = String(Math.floor(mins / 60)).padStart(2, '0');
  const m = mins % 60;
  return m ? `${h}${sep}${String(m).padStart(2, '0')}` : h;
}

/** '+1', '-5', '+5:30', '0': the offset as Yealink and most web UIs write it. */
export function offsetHours(mins: number): string {
  if (mins === 0) return '0';
  const a = Math.abs(mins);
  const m = a % 60;
  return `${mins < 0 ? '-' : '+'}${Math.floor(a / 60)}${m ? ':' + String(m).padStart(2, '0') : ''}`;
}

/** A POSIX TZ string, e.g. 'CET-1CEST,M3.5.0,M10.5.0/3' or 'JST-9'. */
export function posixTz(info: TzInfo): string {
  const off = (mins: number): string => {
    const a = Math.abs(mins);
    const m = a % 60;
    return `${mins > 0 ? '-' : ''}${Math.floor(a / 60)}${m ? ':' + String(m).padStart(2, '0') : ''}`;
  };
  let s = info.stdAbbr + off(info.stdOffsetMin);
  if (!info.dst) return s;
  s += info.dst.abbr;
  if (info.dst.saveMin !== 60) s += off(info.stdOffsetMin + info.dst.saveMin);
  const rule = (r: DstRule): string => {
    const t = r.minutes === 120 ? '' : `/${Math.floor(r.minutes / 60)}${r.minutes % 60 ? ':' + String(r.minutes % 60).padStart(2, '0') : ''}`;
    return `M${r.month}.${r.week}.${r.weekday}${t}`;
  };
  return `${s},${rule(info.dst.start)},${rule(info.dst.end)}`;
}
