/**
 * HAS CONCEPT MOD children of an item (spec 5.4): finding site with laterality and
 * topographical modifier, method, algorithm identification (TID 4019), negation, and
 * the remaining modifiers that qualify the concept name (e.g. Derivation).
 */
import { isConcept } from '../coding.js';
import type { DicomCode } from '../dicom-json.js';
import type { SrNode } from './content-tree.js';
import { codeValue, textValue } from './content-value.js';

export interface OtherModifier {
  concept?: DicomCode;
  code?: DicomCode;
  text?: string;
}

export interface Modifiers {
  site?: DicomCode;
  laterality?: DicomCode;
  topographical: DicomCode[];
  method?: DicomCode;
  algorithmName?: string;
  algorithmVersion?: string;
  others: OtherModifier[];
  /** A modifier value expresses absence or uncertainty (spec 8.2 (5)). */
  negated: boolean;
}

const SITE = 'SCT:363698007';
const LATERALITY = 'SCT:272741003';
const TOPOGRAPHICAL = 'SCT:106233006';
const METHOD = 'SCT:370129005';
const ALGORITHM_NAME = 'DCM:111001';
const ALGORITHM_VERSION = 'DCM:111003';
/** Language of content (and its country) only describe the text, not the concept. */
const IGNORED = ['DCM:121049', 'DCM:121046', 'DCM:121048', 'DCM:111002'];

const mods = (n: SrNode): SrNode[] => n.children.filter((c) => c.rel === 'HAS CONCEPT MOD');

function readSite(siteNode: SrNode, out: Modifiers): void {
  out.site = codeValue(siteNode);
  for (const q of mods(siteNode)) {
    if (isConcept(q.concept, LATERALITY)) out.laterality = codeValue(q);
    else if (isConcept(q.concept, TOPOGRAPHICAL)) {
      const v = codeValue(q);
      if (v) out.topographical.push(v);
    }
  }
}

export function readModifiers(node: SrNode, negationKeys: readonly string[]): Modifiers {
  const out: Modifiers = { topographical: [], others: [], negated: false };
  for (const m of mods(node)) {
    const value = m.vt === 'CODE' ? codeValue(m) : undefined;
    if (value && isConcept(value, ...negationKeys)) out.negated = true;
    if (isConcept(m.concept, SITE)) readSite(m, out);
    else if (isConcept(m.concept, LATERALITY)) out.laterality = value;
    else if (isConcept(m.concept, TOPOGRAPHICAL)) { if (value) out.topographical.push(value); }
    else if (isConcept(m.concept, METHOD)) out.method = value;
    else if (isConcept(m.concept, ALGORITHM_NAME)) out.algorithmName = textValue(m);
    else if (isConcept(m.concept, ALGORITHM_VERSION)) out.algorithmVersion = textValue(m);
    else if (!isConcept(m.concept, ...IGNORED)) {
      out.others.push({ concept: m.concept, code: value, text: m.vt === 'TEXT' ? textValue(m) : undefined });
    }
  }
  return out;
}

/** Group values fill what the item itself does not say (spec 6.2: "of item, else of its group"). */
export function withGroupDefaults(own: Modifiers, group: Modifiers | undefined): Modifiers {
  if (!group) return own;
  const hasSite = own.site !== undefined;
  return {
    ...own,
    site: hasSite ? own.site : group.site,
    laterality: hasSite ? own.laterality : group.laterality,
    topographical: hasSite ? own.topographical : group.topographical,
    method: own.method ?? group.method,
    algorithmName: own.algorithmName ?? group.algorithmName,
    algorithmVersion: own.algorithmVersion ?? group.algorithmVersion,
  };
}
