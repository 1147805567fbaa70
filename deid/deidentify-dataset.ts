import { cleanUid } from '../dicom/uid.js';
import { CONTENT_SEQUENCE, decide, isPrivateTag, removesValue, type Decision } from './element-rules.js';
import type { DeidOptions } from './profile/options.js';
import { isSafePrivate } from './profile/safe-private.js';
import { Pseudonymizer, patientPseudonyms } from './pseudonyms.js';
import { IdentifyingValues, dummyValue, shiftDate } from './values.js';

/**
 * Applies the profile to a dataset in memory: every attribute at every
 * depth, including the items of SR Content Sequence (PS3.15 §E.1.1: the
 * actions apply to attributes nested in sequences too). Works on both forms
 * the server holds: dcmjs's dictionary (with `_rawValue`, kept untouched for
 * unchanged elements so they are re-encoded byte for byte) and our DICOM
 * JSON (null for empty values). Pure: the input is not modified.
 */
export interface Element {
  vr: string;
  Value?: unknown[];
  _rawValue?: unknown;
}
export type Dataset = Record<string, Element>;

export interface PatientReplacement {
  id: string;
  name: string;
  shiftDays: number;
}

export interface DeidRun {
  options: DeidOptions;
  pseudo: Pseudonymizer;
  patient?: PatientReplacement;
  /** Attributes whose value was removed, replaced or cleaned. */
  changed: number;
  privateRemoved: number;
}

export function deidentifyDataset(ds: Dataset, run: DeidRun): Dataset {
  const identifying = new IdentifyingValues();
  collectIdentifying(ds, run.options, false, identifying);
  return walk(ds, run, identifying, false);
}

function walk(ds: Dataset, run: DeidRun, ids: IdentifyingValues, inContent: boolean): Dataset {
  const out: Dataset = {};
  const keptCreators = run.options.retainSafePrivate ? safeCreatorsInUse(ds) : new Set<string>();
  for (const tag of Object.keys(ds)) {
    const el = ds[tag];
    let d: Decision = decide({ tag, vr: el.vr, hasValue: hasValue(el) }, run.options, inContent);
    if (isPrivateTag(tag) && run.options.retainSafePrivate && keepPrivate(tag, ds, keptCreators)) d = el.vr === 'SQ' ? 'recurse' : 'keep';
    const next = apply(tag, el, d, run, ids, inContent);
    if (next === undefined) {
      run.changed++;
      if (isPrivateTag(tag)) run.privateRemoved++;
      continue;
    }
    if (next !== el && d !== 'recurse') run.changed++;
    out[tag] = next;
  }
  dropOrphanOverlays(ds, out, run);
  return out;
}

/**
 * Overlay Data (60xx,3000) is X in Table E.1-1 (C only with Clean Graphics),
 * but it is Type 1 in the Overlay Plane Module (PS3.3 C.9.2): the rows,
 * columns, type and origin the table leaves alone would describe an overlay
 * without its bitmap, which makes the instance invalid (dciodvfy: "Missing
 * attribute Type 1 Required Element=<OverlayData>"). When the profile took the
 * bitmap out, the whole group goes, which is always allowed.
 */
function dropOrphanOverlays(ds: Dataset, out: Dataset, run: DeidRun): void {
  for (const tag of Object.keys(out)) {
    const group = parseInt(tag.slice(0, 4), 16);
    if (group < 0x6000 || group > 0x601e || group % 2 !== 0) continue;
    const data = `${tag.slice(0, 4)}3000`;
    if (ds[data] && !out[data]) {
      delete out[tag];
      run.changed++;
    }
  }
}

function apply(tag: string, el: Element, d: Decision, run: DeidRun, ids: IdentifyingValues, inContent: boolean): Element | undefined {
  switch (d) {
    case 'keep':
      return el;
    case 'remove':
      return undefined;
    case 'empty':
      return { vr: el.vr, Value: [] };
    case 'dummy': {
      const v = dummyValue(el.vr);
      return v === undefined ? { vr: el.vr, Value: [] } : { vr: el.vr, Value: [v] };
    }
    case 'uid':
      if (!hasValue(el)) return el;
      return { vr: 'UI', Value: uidValues(el).map((u) => (u ? run.pseudo.uid(u) : u)) };
    case 'pseudonym':
      return pseudonym(tag, el, run);
    case 'clean':
      return clean(el, ids);
    case 'shift':
      return shift(el, run);
    case 'recurse':
      return {
        vr: 'SQ',
        Value: (el.Value ?? []).map((item) => (item && typeof item === 'object'
          ? walk(item as Dataset, run, ids, inContent || tag === CONTENT_SEQUENCE)
          : item)),
      };
  }
}

function pseudonym(tag: string, el: Element, run: DeidRun): Element {
  const p = run.patient ?? patientPseudonyms(run.pseudo.patientCode(`id:|${String(firstText(el))}`));
  return tag === '00100010' ? { vr: 'PN', Value: [{ Alphabetic: p.name }] } : { vr: el.vr, Value: [p.id] };
}

function clean(el: Element, ids: IdentifyingValues): Element {
  let changed = false;
  const values = (el.Value ?? []).map((v) => {
    if (typeof v === 'string') {
      const c = ids.clean(v);
      changed ||= c !== v;
      return c;
    }
    if (el.vr === 'PN' && v && typeof v === 'object') {
      const groups = Object.entries(v as Record<string, string>).map(([k, s]) => [k, typeof s === 'string' ? ids.clean(s) : s]);
      const next = Object.fromEntries(groups);
      changed ||= JSON.stringify(next) !== JSON.stringify(v);
      return next;
    }
    return v;
  });
  return changed ? { vr: el.vr, Value: values } : el;
}

function shift(el: Element, run: DeidRun): Element {
  const days = run.patient?.shiftDays ?? 0;
  const values = (el.Value ?? []).map((v) => (typeof v === 'string' && v !== '' ? shiftDate(v, el.vr as 'DA' | 'DT', days) ?? dummyValue(el.vr) : v));
  return { vr: el.vr, Value: values };
}

/** UI values as the file holds them (dcmjs rewrites Value; `_rawValue` keeps the original). */
function uidValues(el: Element): Array<string | undefined> {
  const source = Array.isArray(el._rawValue) ? el._rawValue : el.Value ?? [];
  return source.map((v) => cleanUid(v));
}

export function hasValue(el: Element): boolean {
  return (el.Value ?? []).some((v) => v !== null && v !== undefined && v !== ''
    && !(el.vr === 'PN' && typeof v === 'object' && !Object.values(v as object).some((g) => g)));
}

function firstText(el: Element): string | undefined {
  const v = el.Value?.[0];
  if (v && typeof v === 'object') return (v as { Alphabetic?: string }).Alphabetic;
  return typeof v === 'string' ? v.trim() : undefined;
}

/** Values the profile takes out anywhere in the dataset: the vocabulary the C action cleans away. */
function collectIdentifying(ds: Dataset, options: DeidOptions, inContent: boolean, ids: IdentifyingValues): void {
  for (const [tag, el] of Object.entries(ds)) {
    if (el.vr === 'SQ') {
      for (const item of el.Value ?? []) {
        if (item && typeof item === 'object') collectIdentifying(item as Dataset, options, inContent || tag === CONTENT_SEQUENCE, ids);
      }
      continue;
    }
    if (!['PN', 'LO', 'SH', 'LT', 'ST', 'UT', 'UC', 'DA', 'AE'].includes(el.vr)) continue;
    if (!removesValue(decide({ tag, vr: el.vr, hasValue: hasValue(el) }, options, inContent))) continue;
    for (const v of el.Value ?? []) ids.add(v, el.vr);
  }
}

/** Private creators (gggg,00xx) whose block holds at least one safe attribute. */
function safeCreatorsInUse(ds: Dataset): Set<string> {
  const used = new Set<string>();
  for (const tag of Object.keys(ds)) {
    if (!isPrivateTag(tag)) continue;
    const element = parseInt(tag.slice(4), 16);
    if (element < 0x1000) continue;
    const creatorTag = `${tag.slice(0, 4)}00${tag.slice(4, 6)}`;
    if (isSafePrivate(firstText(ds[creatorTag] ?? { vr: 'LO' }), parseInt(tag.slice(0, 4), 16), element & 0xff)) used.add(creatorTag);
  }
  return used;
}

function keepPrivate(tag: string, ds: Dataset, keptCreators: Set<string>): boolean {
  const element = parseInt(tag.slice(4), 16);
  if (element >= 0x10 && element <= 0xff) return keptCreators.has(tag);
  if (element < 0x1000) return false;
  const creatorTag = `${tag.slice(0, 4)}00${tag.slice(4, 6)}`;
  return isSafePrivate(firstText(ds[creatorTag] ?? { vr: 'LO' }), parseInt(tag.slice(0, 4), 16), element & 0xff);
}
