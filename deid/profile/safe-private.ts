/**
 * Private attributes that may be kept under the Retain Safe Private Option
 * (PS3.15 §E.3.10). Each is identified by its private creator, group and the
 * low byte of its element (PS3.5 §7.8.1: the high byte is the block the
 * creator reserved, and differs between files).
 *
 * A deliberately small subset of Table E.3.10-1 "Safe Private Attributes":
 * only rows of that table, and among them the acquisition and scaling
 * parameters needed to interpret CT, MR and PET pixel values (helical CT
 * geometry, Philips MR real-world scaling, Philips PET SUV scaling). Anything
 * not listed is removed, which the option always allows ("may be retained").
 * Vendor diffusion parameters (Siemens "SIEMENS MR HEADER" B_value and
 * gradient, Philips "Philips Imaging DD 001" B-factor, GE "GEMS_PARM_01"
 * Slop_int_6-9) are kept by some research recipes but are NOT in Table
 * E.3.10-1, so they are removed here. Without the option every private
 * attribute is removed.
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
  { creator: 'GEMS_PARM_01', group: 0x0043, element: 0x6f, name: 'Scanner Table Entry + Gradient Coil Selected' },
  { creator: 'GEMS_HELIOS_01', group: 0x0045, element: 0x01, name: 'Number of Macro Rows in Detector' },
  { creator: 'GEMS_HELIOS_01', group: 0x0045, element: 0x02, name: 'Macro width at ISO Center' },
  { creator: 'GEMS_SERS_01', group: 0x0025, element: 0x07, name: 'Images in Series' },
  { creator: 'Philips MR Imaging DD 001', group: 0x2005, element: 0x0d, name: 'Scale Intercept' },
  { creator: 'Philips MR Imaging DD 001', group: 0x2005, element: 0x0e, name: 'Scale Slope' },
  { creator: 'Philips PET Private Group', group: 0x7053, element: 0x00, name: 'SUV Factor' },
  { creator: 'Philips PET Private Group', group: 0x7053, element: 0x09, name: 'Activity Concentration Scale Factor' },
];

const KEYS = new Set(SAFE_PRIVATE.map((s) => key(s.creator, s.group, s.element)));

function key(creator: string, group: number, element: number): string {
  return `${creator.trim().toUpperCase()}|${group}|${element}`;
}

export function isSafePrivate(creator: string | undefined, group: number, elementLowByte: number): boolean {
  return creator !== undefined && KEYS.has(key(creator, group, elementLowByte));
}
