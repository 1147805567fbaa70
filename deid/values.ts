/**
 * Replacement values. Dummies (action D of PS3.15 Table E.1-1) must be
 * "consistent with the VR": valid for the VR's character repertoire and
 * length limits of PS3.5 §6.2, so a de-identified instance stays valid.
 */
const DUMMY: Record<string, string | number> = {
  AE: 'ANONYMIZED',
  AS: '000D',
  CS: 'ANONYMIZED',
  DA: '19000101',
  DS: '0',
  DT: '19000101000000',
  IS: '0',
  LO: 'ANONYMIZED',
  LT: 'ANONYMIZED',
  PN: 'ANONYMIZED',
  SH: 'ANONYMIZED',
  ST: 'ANONYMIZED',
  TM: '000000',
  UC: 'ANONYMIZED',
  UR: 'http://anonymized.invalid',
  UT: 'ANONYMIZED',
  FL: 0, FD: 0, SL: 0, SS: 0, UL: 0, US: 0, SV: 0, UV: 0,
};

/** One dummy value for the VR, or undefined when the VR has none (binary, AT): the value is emptied instead. */
export function dummyValue(vr: string): unknown | undefined {
  const v = DUMMY[vr];
  if (v === undefined) return undefined;
  return vr === 'PN' ? { Alphabetic: v } : v;
}

/**
 * Identifying strings found in a dataset, used to clean free text (the C
 * action of the Clean Descriptors / Clean Structured Content options, PS3.15
 * §E.3.5, §E.3.8): every occurrence of a value that the profile removes from
 * its own attribute is also removed from descriptions that mention it.
 */
export class IdentifyingValues {
  private readonly values = new Set<string>();
  private pattern?: RegExp;

  add(raw: unknown, vr: string): void {
    for (const s of textsOf(raw, vr)) {
      const t = s.trim();
      if (t.length >= 3) this.values.add(t);
      if (vr === 'DA' && /^\d{8}$/.test(t)) {
        this.values.add(`${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6)}`);
        this.values.add(`${t.slice(6)}/${t.slice(4, 6)}/${t.slice(0, 4)}`);
        this.values.add(`${t.slice(4, 6)}/${t.slice(6)}/${t.slice(0, 4)}`);
      }
    }
    this.pattern = undefined;
  }

  get size(): number {
    return this.values.size;
  }

  /** Replaces every identifying value (case-insensitive, longest first) with '***'. */
  clean(text: string): string {
    if (this.values.size === 0) return text;
    this.pattern ??= new RegExp(
      [...this.values].sort((a, b) => b.length - a.length).map(escape).join('|'),
      'gi',
    );
    return text.replace(this.pattern, '***');
  }
}

/** Person names contribute each component (family, given, …) as well as the whole name. */
function textsOf(raw: unknown, vr: string): string[] {
  if (raw === null || raw === undefined) return [];
  if (vr === 'PN') {
    const groups = typeof raw === 'object' ? Object.values(raw as Record<string, unknown>).map(String) : [String(raw)];
    return groups.flatMap((g) => [g.replace(/\^+$/, ''), ...g.split(/[\^=\s,]+/)]);
  }
  if (typeof raw === 'string') return [raw];
  return [];
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Moves a DA value (YYYYMMDD) or the date part of a DT value back by `days`; undefined when unparseable. */
export function shiftDate(value: string, vr: 'DA' | 'DT', days: number): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(.*)$/.exec(value.trim());
  if (!m || (vr === 'DA' && m[4] !== '')) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (Number.isNaN(d.getTime())) return undefined;
  d.setUTCDate(d.getUTCDate() - days);
  const iso = d.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${m[4]}`;
}
