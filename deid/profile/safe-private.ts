/**
 * Private attributes that may be kept under the Retain Safe Private Option
 * (PS3.15 §E.3.10). Each is identified by its private creator, group and the
 * low byte of its element (PS3.5 §7.8.1: the high byte is the block the
 * creator reserved, and differs between files).
 *
 * This is a deliberately small subset of Table E.3.10-1 (acquisition
 * parameters that are needed to interpret diffusion MR and helical CT and
 * carry no identity); anything not listed here is removed, which is always
 * allowed. Without the option every private attribute is removed.
 */
export interface SafePrivate {
  creator: string;
  group: number;
  element: number;
  name: string;
}

export const SAFE_PRIVATE: readonly SafePrivate[] = [
  { creator: 'GEMS_ACQU_01', group: 0x0019, element: 0x23, name: 'Table Speed [mm/rotation]' },
  { creator: 'GEMS_ACQU_01', group: 0x0019, element: 0x24, name: 'Mid Scan Time [sec]' },
  { creator: 'GEMS_ACQU_01', group: 0x0019, element: 0x27, name: 'Rotation Speed (Gantry Period)' },
  { creator: 'GEMS_ACQU_01', group: 0x0019, element: 0x9e, name: 'Internal Pulse Sequence Name' },
  { creator: 'GEMS_PARM_01', group: 0x0043, element: 0x27, name: 'Scan Pitch Ratio' },
  { creator: 'GEMS_PARM_01', group: 0x0043, element: 0x39, name: 'Slop_int_6... slop_int_9 (diffusion b-value)' },
  { creator: 'SIEMENS MR HEADER', group: 0x0019, element: 0x0c, name: 'B_value' },
  { creator: 'SIEMENS MR HEADER', group: 0x0019, element: 0x0d, name: 'DiffusionDirectionality' },
  { creator: 'SIEMENS MR HEADER', group: 0x0019, element: 0x0e, name: 'DiffusionGradientDirection' },
  { creator: 'SIEMENS MR HEADER', group: 0x0019, element: 0x27, name: 'B_matrix' },
  { creator: 'Philips Imaging DD 001', group: 0x2001, element: 0x03, name: 'Diffusion B-Factor' },
];

const KEYS = new Set(SAFE_PRIVATE.map((s) => key(s.creator, s.group, s.element)));

function key(creator: string, group: number, element: number): string {
  return `${creator.trim().toUpperCase()}|${group}|${element}`;
}

export function isSafePrivate(creator: string | undefined, group: number, elementLowByte: number): boolean {
  return creator !== undefined && KEYS.has(key(creator, group, elementLowByte));
}
