/**
 * Mapping configuration (spec section 1) and its defaults.
 */
import type { ProcedureRequirement } from './procedure-table.js';

/** A concept reference as `<designator>:<code>`, e.g. `SCT:2667000`. */
export type ConceptKey = string;

export interface DeidentificationConfig {
  /** HMAC key for the Patient pseudonym (spec 3.3); required in de-identified mode. */
  pseudonymSecret?: string;
  keepSex?: boolean;
  /** Keep free text when the source says Patient Identity Removed (0012,0062) = YES. */
  allowSourceDeidentifiedText?: boolean;
  dateShiftDays?: number;
}

export interface ConditionConfig {
  /** `final` (default): only VERIFIED, complete, non-preliminary reports create Conditions (spec 8.2). */
  minReportStatus?: 'preliminary' | 'final';
  verificationStatus?: 'provisional' | 'confirmed' | 'unconfirmed' | 'differential';
  /** Item concepts classified CODED DIAGNOSIS (spec 5.5); default `SCT:439401001`. */
  diagnosisConcepts?: ConceptKey[];
  /** HAS CONCEPT MOD values expressing absence/uncertainty (spec 8.2 (5)). */
  negationModifiers?: ConceptKey[];
  /** Systems besides SNOMED CT that may carry a Condition code (configured ICD systems). */
  icdSystems?: string[];
}

export interface MappingContext {
  dicomwebBaseUrl: string;
  identifierBase: string;
  canonicalBase: string;
  patientIdSystems?: Record<string, string>;
  defaultPatientIdSystem?: string;
  accessionNumberSystem?: string;
  /** Private (`99*`) or extra designators (e.g. ICD `I10`) -> system URI (spec 2.1). */
  localCodingSchemes?: Record<string, string>;
  defaultTimezone?: string;
  mode?: 'identified' | 'deidentified';
  deid?: DeidentificationConfig;
  condition?: ConditionConfig;
  emitServiceRequestRef?: boolean;
  procedureTable?: ProcedureRequirement[];
  /** Wall-clock time of the mapping run (ISO 8601); only used for study age in procedure matches. */
  now: string;
}

export interface ResolvedContext {
  dicomwebBaseUrl: string;
  identifierBase: string;
  canonicalBase: string;
  patientIdSystems: Record<string, string>;
  defaultPatientIdSystem?: string;
  accessionNumberSystem?: string;
  localCodingSchemes: Record<string, string>;
  defaultTimezone?: string;
  deidentified: boolean;
  deid: Required<Omit<DeidentificationConfig, 'pseudonymSecret'>> & { pseudonymSecret?: string };
  condition: Required<ConditionConfig>;
  emitServiceRequestRef: boolean;
  procedureTable?: ProcedureRequirement[];
  now: string;
}

export const DEFAULT_NEGATION_MODIFIERS: ConceptKey[] = [
  'SCT:2667000', // Absent
  'SCT:410516002', // Known absent
  'SCT:385434005', // Improbable diagnosis
  'SCT:60022001', // Possible diagnosis
  'SCT:2931005', // Probable diagnosis
  'SCT:415684004', // Suspected
];

export const DEFAULT_ICD_SYSTEMS = ['http://hl7.org/fhir/sid/icd-10', 'http://hl7.org/fhir/sid/icd-10-cm'];

const stripSlash = (s: string): string => s.replace(/\/+$/u, '');

export function resolveContext(ctx: MappingContext): ResolvedContext {
  const c = ctx.condition ?? {};
  return {
    dicomwebBaseUrl: stripSlash(ctx.dicomwebBaseUrl),
    identifierBase: stripSlash(ctx.identifierBase),
    canonicalBase: stripSlash(ctx.canonicalBase),
    patientIdSystems: ctx.patientIdSystems ?? {},
    defaultPatientIdSystem: ctx.defaultPatientIdSystem,
    accessionNumberSystem: ctx.accessionNumberSystem,
    localCodingSchemes: ctx.localCodingSchemes ?? {},
    defaultTimezone: ctx.defaultTimezone,
    deidentified: ctx.mode === 'deidentified',
    deid: {
      pseudonymSecret: ctx.deid?.pseudonymSecret,
      keepSex: ctx.deid?.keepSex ?? false,
      allowSourceDeidentifiedText: ctx.deid?.allowSourceDeidentifiedText ?? false,
      dateShiftDays: ctx.mode === 'deidentified' ? Math.trunc(ctx.deid?.dateShiftDays ?? 0) : 0,
    },
    condition: {
      minReportStatus: c.minReportStatus ?? 'final',
      verificationStatus: c.verificationStatus ?? 'provisional',
      diagnosisConcepts: c.diagnosisConcepts ?? ['SCT:439401001'],
      negationModifiers: c.negationModifiers ?? DEFAULT_NEGATION_MODIFIERS,
      icdSystems: c.icdSystems ?? DEFAULT_ICD_SYSTEMS,
    },
    emitServiceRequestRef: ctx.emitServiceRequestRef ?? false,
    procedureTable: ctx.procedureTable,
    now: ctx.now,
  };
}
