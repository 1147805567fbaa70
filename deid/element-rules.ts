import { keywordOf } from '../dicom/dictionary.js';
import type { DeidOptions } from './profile/options.js';
import { PRIVATE_ROW, effectiveCode, tableRow, toAction, type Action } from './profile/resolve-action.js';

/**
 * The decision for one element, in the context of the dataset that holds it.
 * Table E.1-1 decides for listed attributes (see resolve-action.ts); this file
 * adds the rules for what the table leaves implicit, each stricter than
 * keeping the value.
 */
export type Decision = Action | 'pseudonym';

export interface ElementView {
  tag: string;
  vr: string;
  hasValue: boolean;
}

export const CONTENT_SEQUENCE = '0040A730';
const PATIENT_ID = '00100020';
const PATIENT_NAME = '00100010';
const FREE_TEXT = new Set(['ST', 'LT', 'UT', 'UC']);

/**
 * Instance UIDs that the table does not list (it names the common ones
 * only) but that would let a de-identified instance be linked back, so they
 * are replaced like the listed ones. Class, syntax and coding-scheme UIDs are
 * public constants and are never replaced.
 */
function isUnlistedInstanceUid(tag: string): boolean {
  const keyword = keywordOf(tag) ?? '';
  if (/ClassUID|TransferSyntaxUID|CodingScheme|MappingResource|ContextUID|ContextGroupExtensionCreatorUID/.test(keyword)) return false;
  return /(InstanceUID|FrameOfReferenceUID|^AcquisitionUID|^PyramidUID)$/.test(keyword);
}

export function isPrivateTag(tag: string): boolean {
  return parseInt(tag.slice(3, 4), 16) % 2 === 1;
}

export function decide(el: ElementView, options: DeidOptions, inContent: boolean): Decision {
  const { tag, vr, hasValue } = el;
  if (tag.endsWith('0000')) return 'remove'; // group lengths: recomputed or retired (PS3.5 §7.2)
  if (isPrivateTag(tag)) return toAction(effectiveCode(PRIVATE_ROW[1], undefined, options), vr, hasValue);
  if ((tag === PATIENT_ID || tag === PATIENT_NAME) && hasValue) return 'pseudonym';
  const row = tableRow(tag);
  if (row) return toAction(effectiveCode(row[1], row[3], options), vr, hasValue);
  if (vr === 'SQ') return 'recurse';
  if (!hasValue) return 'keep';
  if (vr === 'UI') return isUnlistedInstanceUid(tag) && !options.retainUids ? 'uid' : 'keep';
  // Dates anywhere (e.g. SR DATE content items, calibration dates) follow the
  // temporal options like the listed dates do (PS3.15 §E.3.6).
  if (vr === 'DA' || vr === 'DT') {
    if (options.retainLongitudinalFullDates) return 'keep';
    return options.retainLongitudinalModifiedDates ? 'shift' : 'dummy';
  }
  // Any person's name is identifying, listed or not.
  if (vr === 'PN') return 'dummy';
  // Free text inside SR content: Content Sequence is D in the Basic Profile,
  // kept only as far as the Clean Structured Content Option cleans it (§E.3.8).
  if (inContent && FREE_TEXT.has(vr)) return options.cleanStructuredContent ? 'clean' : 'dummy';
  return 'keep';
}

/** True when a decision takes the original value out of the instance. */
export function removesValue(d: Decision): boolean {
  return d === 'remove' || d === 'empty' || d === 'dummy' || d === 'uid' || d === 'pseudonym';
}
