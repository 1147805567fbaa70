/**
 * Profile options (PS3.15 §E.3) and their codes in CID 7050 "De-identification
 * Method" (PS3.16), which go into De-identification Method Code Sequence
 * (0012,0064) of every instance we de-identify.
 */
export const OPTION_NAMES = [
  'retainSafePrivate',
  'retainUids',
  'retainDeviceIdentity',
  'retainInstitutionIdentity',
  'retainPatientCharacteristics',
  'retainLongitudinalFullDates',
  'retainLongitudinalModifiedDates',
  'cleanDescriptors',
  'cleanStructuredContent',
  'cleanGraphics',
] as const;

export type OptionName = (typeof OPTION_NAMES)[number];
export type DeidOptions = Readonly<Partial<Record<OptionName, boolean>>>;

/** Column of Table E.1-1 (see table-e1-1.ts OptionCells) for each option. */
export const OPTION_COLUMN: Record<OptionName, 'priv' | 'uids' | 'dev' | 'inst' | 'pat' | 'long' | 'mod' | 'desc' | 'struct' | 'graph'> = {
  retainSafePrivate: 'priv',
  retainUids: 'uids',
  retainDeviceIdentity: 'dev',
  retainInstitutionIdentity: 'inst',
  retainPatientCharacteristics: 'pat',
  retainLongitudinalFullDates: 'long',
  retainLongitudinalModifiedDates: 'mod',
  cleanDescriptors: 'desc',
  cleanStructuredContent: 'struct',
  cleanGraphics: 'graph',
};

export interface CodedConcept {
  value: string;
  scheme: 'DCM';
  meaning: string;
}

const dcm = (value: string, meaning: string): CodedConcept => ({ value, scheme: 'DCM', meaning });

/** CID 7050: the Basic Profile itself and one code per option. */
export const BASIC_PROFILE_CODE = dcm('113100', 'Basic Application Confidentiality Profile');

export const OPTION_CODE: Record<OptionName, CodedConcept> = {
  retainSafePrivate: dcm('113111', 'Retain Safe Private Option'),
  retainUids: dcm('113110', 'Retain UIDs Option'),
  retainDeviceIdentity: dcm('113109', 'Retain Device Identity Option'),
  retainInstitutionIdentity: dcm('113112', 'Retain Institution Identity Option'),
  retainPatientCharacteristics: dcm('113108', 'Retain Patient Characteristics Option'),
  retainLongitudinalFullDates: dcm('113106', 'Retain Longitudinal Temporal Information Full Dates Option'),
  retainLongitudinalModifiedDates: dcm('113107', 'Retain Longitudinal Temporal Information Modified Dates Option'),
  cleanDescriptors: dcm('113105', 'Clean Descriptors Option'),
  cleanStructuredContent: dcm('113104', 'Clean Structured Content Option'),
  cleanGraphics: dcm('113103', 'Clean Graphics Option'),
};

/** Kebab-case names used in configuration (DEID_OPTIONS) and in audit records. */
export const OPTION_CONFIG_NAME: Record<OptionName, string> = {
  retainSafePrivate: 'retain-safe-private',
  retainUids: 'retain-uids',
  retainDeviceIdentity: 'retain-device-identity',
  retainInstitutionIdentity: 'retain-institution-identity',
  retainPatientCharacteristics: 'retain-patient-characteristics',
  retainLongitudinalFullDates: 'retain-longitudinal-full-dates',
  retainLongitudinalModifiedDates: 'retain-longitudinal-modified-dates',
  cleanDescriptors: 'clean-descriptors',
  cleanStructuredContent: 'clean-structured-content',
  cleanGraphics: 'clean-graphics',
};

/** The default of the de-identified view (issue #5): Basic + full dates + patient characteristics. */
export const DEFAULT_VIEW_OPTIONS: DeidOptions = {
  retainLongitudinalFullDates: true,
  retainPatientCharacteristics: true,
};

/** Parses "retain-longitudinal-full-dates,clean-descriptors" (config) into options; throws on unknown names. */
export function parseOptionList(list: string): DeidOptions {
  const byConfig = new Map(Object.entries(OPTION_CONFIG_NAME).map(([k, v]) => [v, k as OptionName]));
  const out: Partial<Record<OptionName, boolean>> = {};
  for (const raw of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const name = byConfig.get(raw);
    if (!name) throw new Error(`unknown de-identification option "${raw}"; known: ${Object.values(OPTION_CONFIG_NAME).join(', ')}`);
    out[name] = true;
  }
  if (out.retainLongitudinalFullDates && out.retainLongitudinalModifiedDates) {
    throw new Error('retain-longitudinal-full-dates and retain-longitudinal-modified-dates exclude each other (PS3.15 §E.3.6)');
  }
  return out;
}

export function enabledOptions(o: DeidOptions): OptionName[] {
  return OPTION_NAMES.filter((n) => o[n]);
}
