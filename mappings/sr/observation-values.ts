/**
 * Observation value[x], component and code helpers (spec 5.4 HAS PROPERTIES, 6.2 kinds table).
 */
import { SYSTEM, isConcept, toCodeableConcept } from '../coding.js';
import type { CodingEnv } from '../coding.js';
import { toFhirDate, dtToFhirDateTime } from '../datetime.js';
import { str } from '../dicom-json.js';
import type { MapEnv } from '../env.js';
import type { CodeableConcept, Extension, Observation, ObservationComponent, Quantity } from '../fhir-r4.js';
import { TAG } from '../tags.js';
import type { SrNode } from './content-tree.js';
import { type NumValue, codeValue, numValue, temporalValue, textValue } from './content-value.js';
import type { Modifiers } from './modifiers.js';

type ValueFields = Pick<Observation, 'valueQuantity' | 'valueCodeableConcept' | 'valueString' | 'valueDateTime' | 'valueTime' | 'dataAbsentReason'>;

const absent = (code: string): CodeableConcept => ({ coding: [{ system: SYSTEM.DATA_ABSENT, code }] });

/** Numeric Value Qualifier (CID 42) -> data-absent-reason (spec 6.2). */
const QUALIFIER_REASON: Readonly<Record<string, string>> = {
  '114000': 'not-a-number', '114001': 'negative-infinity', '114002': 'positive-infinity',
  '114006': 'error', '114008': 'error', '114007': 'not-performed',
};

export function toQuantity(num: NumValue, env: CodingEnv, where: { sopInstanceUid: string; path: string }): Quantity | undefined {
  if (num.value === undefined) return undefined;
  const q: Quantity = { value: num.value };
  const unit = num.unit;
  if (unit?.meaning) q.unit = unit.meaning;
  if (unit && unit.scheme?.toUpperCase() === 'UCUM') {
    q.system = SYSTEM.UCUM;
    q.code = unit.value;
  } else if (unit) {
    env.issues.warn('UNIT_NOT_UCUM', `Unit scheme '${unit.scheme ?? ''}' is not UCUM; unit kept as text`, where);
  }
  return q;
}

function numFields(node: SrNode, env: MapEnv, sop: string): ValueFields {
  const num = numValue(node);
  const q = toQuantity(num, env.coding, { sopInstanceUid: sop, path: node.path });
  if (q) return { valueQuantity: q };
  const reason = num.qualifier?.scheme?.toUpperCase() === 'DCM' ? QUALIFIER_REASON[num.qualifier.value] : undefined;
  return { dataAbsentReason: absent(reason ?? 'unknown') };
}

/** value[x] for an item; TEXT is masked when free text may not be released (spec 3.3). */
export function valueFields(node: SrNode, env: MapEnv, sop: string, allowText: boolean): ValueFields {
  if (node.vt === 'NUM') return numFields(node, env, sop);
  if (node.vt === 'CODE') {
    const cc = toCodeableConcept(codeValue(node), env.coding);
    // A value from an unmapped (private) scheme is only its meaning, i.e. free text (spec 3.3).
    if (cc && !cc.coding && !allowText) return { dataAbsentReason: absent('masked') };
    return cc ? { valueCodeableConcept: cc } : { dataAbsentReason: absent('unknown') };
  }
  if (node.vt === 'TEXT') {
    const text = textValue(node);
    if (!allowText) return { dataAbsentReason: absent('masked') };
    return text ? { valueString: text } : { dataAbsentReason: absent('unknown') };
  }
  return {};
}

function temporalFields(node: SrNode, env: MapEnv): ValueFields {
  const raw = temporalValue(node);
  const tz = str(node.item, TAG.TimezoneOffsetFromUTC);
  if (node.vt === 'DATE') return raw && toFhirDate(raw, env.dates) ? { valueDateTime: toFhirDate(raw, env.dates) } : {};
  if (node.vt === 'DATETIME') return raw && dtToFhirDateTime(raw, tz, env.dates) ? { valueDateTime: dtToFhirDateTime(raw, tz, env.dates) } : {};
  const m = /^(\d{2})(\d{2})?(\d{2})?(\.\d+)?$/u.exec(raw ?? '');
  return m ? { valueTime: `${m[1]}:${m[2] ?? '00'}:${m[3] ?? '00'}${m[4] ?? ''}` } : {};
}

/** TID 312 normal range limits (CID 223), as HAS PROPERTIES NUM of a measurement. */
const RANGE_LIMIT = { high: 'SCT:371933006', low: 'SCT:385524004' } as const;

const isRangeLimit = (n: SrNode): boolean => n.vt === 'NUM' && isConcept(n.concept, RANGE_LIMIT.high, RANGE_LIMIT.low);

/** Normal range (TID 312) -> referenceRange (spec 6.2). */
export function referenceRange(node: SrNode, env: MapEnv, sop: string): Observation['referenceRange'] {
  const range: { low?: Quantity; high?: Quantity } = {};
  for (const p of node.children.filter((c) => c.rel === 'HAS PROPERTIES' && isRangeLimit(c))) {
    const q = toQuantity(numValue(p), env.coding, { sopInstanceUid: sop, path: p.path });
    if (q) range[isConcept(p.concept, RANGE_LIMIT.high) ? 'high' : 'low'] = q;
  }
  if (!range.low && !range.high) return undefined;
  return [{ ...(range.low ? { low: range.low } : {}), ...(range.high ? { high: range.high } : {}) }];
}

/** Other HAS PROPERTIES children that carry values become components (spec 5.4). */
export function components(node: SrNode, env: MapEnv, sop: string, allowText: boolean): ObservationComponent[] {
  const out: ObservationComponent[] = [];
  for (const p of node.children.filter((c) => c.rel === 'HAS PROPERTIES' && !isRangeLimit(c))) {
    const code = toCodeableConcept(p.concept, env.coding);
    if (!code) continue;
    const fields = ['DATE', 'TIME', 'DATETIME'].includes(p.vt) ? temporalFields(p, env) : valueFields(p, env, sop, allowText);
    if (Object.keys(fields).length > 0) out.push({ code, ...fields });
  }
  return out;
}

/** Concept name, with other concept modifiers appended to the text: "Diameter (Maximum)" (spec 5.4). */
export function conceptWithModifiers(node: SrNode, mods: Modifiers, env: MapEnv): CodeableConcept {
  const cc = toCodeableConcept(node.concept, env.coding) ?? { text: 'Unnamed content item' };
  const suffix = mods.others.map((m) => m.code?.meaning).filter((s): s is string => !!s);
  if (suffix.length === 0) return cc;
  const base = node.concept?.meaning ?? cc.text ?? '';
  return { ...cc, text: `${base} (${suffix.join(', ')})` };
}

/** One complex extension per other concept modifier (local StructureDefinition, spec 5.4). */
export function modifierExtensions(mods: Modifiers, env: MapEnv, allowText: boolean): Extension[] {
  const url = `${env.cfg.canonicalBase}/StructureDefinition/dicom-concept-modifier`;
  return mods.others.flatMap((m) => {
    const concept = toCodeableConcept(m.concept, env.coding);
    const coded = m.code ? toCodeableConcept(m.code, env.coding) : undefined;
    const value = coded && (coded.coding || allowText) ? coded : undefined;
    const parts: Extension[] = [];
    if (concept) parts.push({ url: 'concept', valueCodeableConcept: concept });
    if (value) parts.push({ url: 'value', valueCodeableConcept: value });
    else if (m.text && allowText) parts.push({ url: 'value', valueString: m.text });
    return parts.length > 1 ? [{ url, extension: parts }] : [];
  });
}

/** bodySite from finding site + laterality/topographical modifiers; text lists the meanings (spec 6.2). */
export function bodySiteOf(mods: Modifiers, env: MapEnv): CodeableConcept | undefined {
  if (!mods.site) return undefined;
  const cc = toCodeableConcept(mods.site, env.coding);
  if (!cc) return undefined;
  const qualifiers = [mods.laterality, ...mods.topographical].map((c) => c?.meaning).filter((s): s is string => !!s);
  if (qualifiers.length === 0) return cc;
  return { ...cc, text: [mods.site.meaning ?? cc.text, ...qualifiers].filter(Boolean).join(', ') };
}
