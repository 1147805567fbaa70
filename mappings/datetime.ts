/**
 * DA / TM / DT -> FHIR date / dateTime / instant (spec 2.2).
 *
 * FHIR R4 dateTime requires a UTC offset whenever a time is present
 * (https://hl7.org/fhir/R4/datatypes.html#dateTime), so a time without a usable
 * offset degrades to the date alone. Offsets come from the value itself (DT),
 * then Timezone Offset From UTC (0008,0201), then the configured IANA zone.
 */
export interface DateEnv {
  /** IANA zone used when a dataset has no (0008,0201). */
  defaultTimezone?: string;
  /** De-identification date shift in days (spec 3.3), 0 otherwise. */
  shiftDays: number;
}

interface YMD { y: number; m: number; d: number }
interface HMS { hh: string; mm: string; ss: string; frac: string }

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function parseDa(da: string | undefined): YMD | undefined {
  // Legacy ACR-NEMA dates use dots (PS3.5 6.2 DA note); accept them when reading.
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/u.exec(da?.trim() ?? '');
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  const valid = probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
  return valid ? { y, m: mo, d } : undefined;
}

function shift(date: YMD, days: number): YMD {
  if (days === 0) return date;
  const t = new Date(Date.UTC(date.y, date.m - 1, date.d + days));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

const ymdString = (d: YMD): string => `${pad(d.y, 4)}-${pad(d.m)}-${pad(d.d)}`;

/** TM: HH, HHMM, HHMMSS, HHMMSS.F{1,6}; legacy HH:MM:SS also accepted. Missing parts pad with 00. */
function parseTm(tm: string | undefined): HMS | undefined {
  const m = /^(\d{2})(?::?(\d{2})(?::?(\d{2})(\.\d{1,6})?)?)?$/u.exec(tm?.trim() ?? '');
  if (!m) return undefined;
  const [hh, mm = '00', ss = '00', frac = ''] = [m[1], m[2], m[3], m[4]];
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 60) return undefined;
  return { hh, mm, ss, frac };
}

/** '+0200' -> '+02:00' (PS3.5 DT / (0008,0201) form). */
function dicomOffset(raw: string | undefined): string | undefined {
  const m = /^([+-])(\d{2})(\d{2})$/u.exec(raw?.trim() ?? '');
  if (!m || Number(m[2]) > 14 || Number(m[3]) > 59) return undefined;
  return `${m[1]}${m[2]}:${m[3]}`;
}

/** Offset of an IANA zone at a local wall-clock time, e.g. '+02:00'; undefined for unknown zones. */
export function zoneOffset(timeZone: string, date: YMD, time: HMS): string | undefined {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
  } catch {
    return undefined;
  }
  const wall = Date.UTC(date.y, date.m - 1, date.d, Number(time.hh), Number(time.mm), Number(time.ss));
  const offsetAt = (utc: number): number => {
    const p = Object.fromEntries(fmt.formatToParts(new Date(utc)).map((x) => [x.type, x.value]));
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    return asUtc - utc;
  };
  // Two passes settle the offset around DST transitions.
  const first = offsetAt(wall);
  const minutes = Math.round(offsetAt(wall - first) / 60000);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** DA -> FHIR date. */
export function toFhirDate(da: string | undefined, env: DateEnv): string | undefined {
  const d = parseDa(da);
  return d ? ymdString(shift(d, env.shiftDays)) : undefined;
}

function withTime(date: YMD, time: HMS | undefined, offset: string | undefined, env: DateEnv): string {
  const day = ymdString(shift(date, env.shiftDays));
  if (!time) return day;
  const tz = offset ?? (env.defaultTimezone ? zoneOffset(env.defaultTimezone, date, time) : undefined);
  return tz ? `${day}T${time.hh}:${time.mm}:${time.ss}${time.frac}${tz}` : day;
}

/** DA + TM -> FHIR dateTime; `tzOffset` is the dataset's (0008,0201) value. */
export function toFhirDateTime(
  da: string | undefined, tm: string | undefined, tzOffset: string | undefined, env: DateEnv,
): string | undefined {
  const date = parseDa(da);
  if (!date) return undefined;
  return withTime(date, parseTm(tm), dicomOffset(tzOffset), env);
}

/** DT (YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]) -> FHIR dateTime; the value's own offset wins. */
export function dtToFhirDateTime(dt: string | undefined, tzOffset: string | undefined, env: DateEnv): string | undefined {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,6})?([+-]\d{4})?$/u.exec(dt?.trim() ?? '');
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss, frac, own] = m;
  if (!mo) return env.shiftDays === 0 ? y : undefined;
  if (!d) return env.shiftDays === 0 ? `${y}-${mo}` : undefined;
  const date = parseDa(`${y}${mo}${d}`);
  if (!date) return undefined;
  const time = hh ? parseTm(`${hh}${mi ?? ''}${mi && ss ? ss : ''}${mi && ss && frac ? frac : ''}`) : undefined;
  return withTime(date, time, dicomOffset(own) ?? dicomOffset(tzOffset), env);
}

/** FHIR instant needs seconds and an offset; anything less is not an instant (spec 2.2). */
export function asInstant(dateTime: string | undefined): string | undefined {
  return dateTime && /T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/u.test(dateTime) ? dateTime : undefined;
}
