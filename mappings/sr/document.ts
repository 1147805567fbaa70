/**
 * SR document header: recognition (spec 5.1), status (spec 6.2, 7) and dates.
 */
import { type DicomCode, code, codeSeq, dateTimeOf, dtOf, has, personNames, seq, str } from '../dicom-json.js';
import type { MapEnv } from '../env.js';
import type { ObservationStatus, ReportStatus } from '../fhir-r4.js';
import type { IndexedInstance, StudyIndex } from '../study-index.js';
import { TAG } from '../tags.js';
import { allowFreeText } from '../text-policy.js';

export type SrDocumentKind = 'tid1500' | 'report' | 'generic' | 'kos' | 'index-only';

export interface EvidenceRef {
  studyUid?: string;
  seriesUid?: string;
  sopClassUid?: string;
}

export interface SrDocument {
  instance: IndexedInstance;
  kind: SrDocumentKind;
  templateId?: string;
  rootConcept?: DicomCode;
  reportStatus: ReportStatus;
  observationStatus: ObservationStatus;
  /** StudyDate+StudyTime (imaged state), else content date/time (spec 6.2, 7). */
  effective?: string;
  contentDateTime?: string;
  /** Last Verification DateTime (0040,A073)>(0040,A030). */
  verifiedAt?: string;
  verifyingObservers: string[];
  allowText: boolean;
  byReferenceAllowed: boolean;
  /** SOP Instance UID -> where it lives, from (0040,A375)/(0040,A385) and the study index. */
  evidence: Map<string, EvidenceRef>;
}

const SR_PREFIX = '1.2.840.10008.5.1.4.1.1.88.';
/** Spec 5.1: the SR storage classes mapped to resources; other 88.x classes are only indexed. */
const MAPPED_SR_CLASSES = new Set(['11', '22', '33', '34', '35'].map((s) => SR_PREFIX + s));
const BY_REFERENCE_CLASSES = new Set(['33', '34', '35'].map((s) => SR_PREFIX + s));
export const KOS_CLASS = `${SR_PREFIX}59`;

/**
 * CID 7000 "Diagnostic Imaging Report Document Titles" (LOINC), the roots that make a
 * document without a template identifier a TID 2000-family report (spec 5.1).
 */
const REPORT_TITLES = new Set([
  '18748-4', '11528-7', '18747-6', '18755-9', '18760-9', '18745-0', '18757-5', '18758-3',
  '18726-0', '11522-0', '24627-2', '24604-1', '24606-6', '24610-8', '18746-8', '18761-7',
]);

export function isSrClass(sopClassUid: string): boolean {
  return sopClassUid.startsWith(SR_PREFIX);
}

function templateOf(ds: IndexedInstance['ds']): string | undefined {
  const t = seq(ds, TAG.ContentTemplateSequence).find((i) => (str(i, TAG.MappingResource) ?? 'DCMR') === 'DCMR');
  return str(t, TAG.TemplateIdentifier);
}

function documentKind(inst: IndexedInstance, templateId: string | undefined, root: DicomCode | undefined): SrDocumentKind {
  if (inst.sopClassUid === KOS_CLASS) return 'kos';
  if (!MAPPED_SR_CLASSES.has(inst.sopClassUid)) return 'index-only';
  if (templateId === '1500') return 'tid1500';
  // TID 2000 and its specialisations (2005 transcribed, 2006 with radiation exposure, ...).
  if (templateId && /^200\d$/u.test(templateId)) return 'report';
  const scheme = root?.scheme?.toUpperCase();
  if (scheme === 'DCM' && root?.value === '126000') return 'tid1500';
  if (scheme === 'LN' && REPORT_TITLES.has(root?.value ?? '')) return 'report';
  return 'generic';
}

function statuses(ds: IndexedInstance['ds']): Pick<SrDocument, 'reportStatus' | 'observationStatus'> {
  const preliminary = code(ds, TAG.PreliminaryFlag) === 'PRELIMINARY';
  const partial = code(ds, TAG.CompletionFlag) === 'PARTIAL';
  const unverified = code(ds, TAG.VerificationFlag) !== 'VERIFIED';
  const final = has(ds, TAG.PredecessorDocumentsSequence) ? 'amended' : 'final';
  // spec 7: first match wins; spec 6.2: any of the three flags makes observations preliminary.
  const reportStatus: ReportStatus = preliminary ? 'preliminary' : partial ? 'partial' : unverified ? 'preliminary' : final;
  return { reportStatus, observationStatus: preliminary || partial || unverified ? 'preliminary' : final };
}

function evidenceIndex(ds: IndexedInstance['ds'], index: StudyIndex): Map<string, EvidenceRef> {
  const out = new Map<string, EvidenceRef>();
  for (const inst of index.instances) {
    out.set(inst.sopInstanceUid, { studyUid: inst.studyUid, seriesUid: inst.seriesUid, sopClassUid: inst.sopClassUid });
  }
  const lists = [...seq(ds, TAG.CurrentRequestedProcedureEvidenceSequence), ...seq(ds, TAG.PertinentOtherEvidenceSequence)];
  for (const study of lists) {
    for (const series of seq(study, TAG.ReferencedSeriesSequence)) {
      for (const sop of seq(series, TAG.ReferencedSOPSequence)) {
        const uid = str(sop, TAG.ReferencedSOPInstanceUID);
        if (uid && !out.has(uid)) {
          out.set(uid, { studyUid: str(study, TAG.StudyInstanceUID), seriesUid: str(series, TAG.SeriesInstanceUID), sopClassUid: str(sop, TAG.ReferencedSOPClassUID) });
        }
      }
    }
  }
  return out;
}

export function readSrDocument(inst: IndexedInstance, index: StudyIndex, env: MapEnv): SrDocument {
  const { ds } = inst;
  const templateId = templateOf(ds);
  const rootConcept = codeSeq(ds, TAG.ConceptNameCodeSequence);
  const verifications = seq(ds, TAG.VerifyingObserverSequence);
  const lastVerified = verifications[verifications.length - 1];
  const tz = str(ds, TAG.TimezoneOffsetFromUTC);
  const contentDateTime = dateTimeOf(ds, TAG.ContentDate, TAG.ContentTime, env.dates);
  return {
    instance: inst,
    kind: documentKind(inst, templateId, rootConcept),
    templateId,
    rootConcept,
    ...statuses(ds),
    effective: dateTimeOf(ds, TAG.StudyDate, TAG.StudyTime, env.dates) ?? contentDateTime,
    contentDateTime,
    verifiedAt: dtOf(lastVerified, TAG.VerificationDateTime, env.dates, tz),
    verifyingObservers: verifications.flatMap((v) => personNames(v, TAG.VerifyingObserverName)),
    allowText: allowFreeText(env.cfg, ds),
    byReferenceAllowed: BY_REFERENCE_CLASSES.has(inst.sopClassUid),
    evidence: evidenceIndex(ds, index),
  };
}

