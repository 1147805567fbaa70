import { OPTION_COLUMN, OPTION_NAMES, type DeidOptions } from './options.js';
import { TABLE_E1_1, type BasicAction, type OptionCells, type TableRow } from './table-e1-1.js';

/**
 * What happens to one attribute, after the Basic Profile action of Table
 * E.1-1 has been combined with the options in force (PS3.15 §E.3) and the
 * attribute's VR. This is the one place that interprets the table.
 */
export type Action =
  | 'keep'
  | 'remove'
  | 'empty' // zero-length value (Z)
  | 'dummy' // non-zero dummy value consistent with the VR (D)
  | 'uid' // replaced by the tenant's consistent UID (U)
  | 'clean' // text cleaned of identifying values (C)
  | 'shift' // date shifted by the patient's offset (C of the Modified Dates option)
  | 'recurse'; // sequence kept; each item is processed with the same rules

export interface ResolvedAction {
  action: Action;
  /** The row of Table E.1-1 that decided it, undefined when the attribute is not listed. */
  row?: TableRow;
}

const EXACT = new Map<string, TableRow>();
let CURVE: TableRow | undefined;
const OVERLAY = new Map<string, TableRow>();
let PRIVATE: TableRow | undefined;
for (const row of TABLE_E1_1) {
  const tag = row[0];
  if (tag === 'GGGGEEEE') PRIVATE = row;
  else if (tag === '50XXXXXX') CURVE = row;
  else if (tag.startsWith('60XX')) OVERLAY.set(tag.slice(4), row);
  else EXACT.set(tag, row);
}

/** The row for a tag, including the repeating groups 50xx (curves) and 60xx (overlays) of PS3.5 §7.6. */
export function tableRow(tag: string): TableRow | undefined {
  const exact = EXACT.get(tag);
  if (exact) return exact;
  const group = parseInt(tag.slice(0, 4), 16);
  if (group >= 0x5000 && group <= 0x501e && group % 2 === 0) return CURVE;
  if (group >= 0x6000 && group <= 0x601e && group % 2 === 0) return OVERLAY.get(tag.slice(4));
  return undefined;
}

export const PRIVATE_ROW = PRIVATE!;

/**
 * The code that applies once options are considered: an option's K wins over
 * its C, and either wins over the Basic Profile action (PS3.15 §E.3: an option
 * "overrides" the basic action for the attributes it lists).
 */
export function effectiveCode(basic: BasicAction, cells: OptionCells | undefined, options: DeidOptions): BasicAction | 'shift' {
  if (!cells) return basic;
  let best: BasicAction | 'shift' | undefined;
  for (const name of OPTION_NAMES) {
    if (!options[name]) continue;
    const cell = cells[OPTION_COLUMN[name]];
    if (!cell) continue;
    if (cell === 'K') return 'K';
    if (name === 'retainLongitudinalModifiedDates') best = 'shift';
    else if (best === undefined || best === 'X') best = cell as BasicAction;
  }
  return best ?? basic;
}

const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UR', 'UT']);

/**
 * Turns a code into an action for an element of this VR. Compound codes
 * (X/Z, X/D, Z/D, X/Z/D) depend on the attribute's Type in its IOD, which a
 * dataset does not carry; we pick the choice that is valid whatever the Type:
 * a dummy (D) where D is allowed, else a zero-length value (Z). Sequences are
 * never replaced by dummies: D, C and U* keep the sequence and clean its items.
 */
export function toAction(code: BasicAction | 'shift', vr: string, hasValue: boolean): Action {
  if (code === 'K') return vr === 'SQ' ? 'recurse' : 'keep';
  if (code === 'X') return 'remove';
  if (code === 'U') return vr === 'UI' ? 'uid' : hasValue ? 'dummy' : 'keep';
  if (code === 'shift') return vr === 'DA' || vr === 'DT' ? 'shift' : 'keep';
  if (vr === 'SQ') return code === 'Z' || code === 'X/Z' ? 'empty' : 'recurse';
  if (!hasValue) return 'keep'; // nothing identifying in an empty value
  switch (code) {
    case 'C':
      // Binary values (overlay bitmaps, curves) cannot be cleaned here: removing them is the clean form.
      return TEXT_VRS.has(vr) ? 'clean' : 'remove';
    case 'Z':
    case 'X/Z':
    case 'X/Z/U*':
      return 'empty';
    default: // D, X/D, Z/D, X/Z/D
      return 'dummy';
  }
}
