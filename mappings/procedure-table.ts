/**
 * Default procedure requirement table (seed doc Appendix A: modality -> typical
 * requirement; Appendix B: body part -> procedure). One row per requirement a procedure
 * has; a deployment can replace the table through `MappingContext.procedureTable`.
 */

export interface ProcedureRequirement {
  /** Procedure id as in the seed doc, e.g. `knee_replacement`. */
  procedure: string;
  procedureName: string;
  /** CPT code where the seed doc gives one. */
  cptCode?: string;
  /** Requirement as the care team words it, e.g. "Knee MRI". */
  requirement: string;
  /** PS3.16 Annex L Body Part Examined terms. */
  bodyParts: string[];
  /** DICOM Modality (0008,0060) values that satisfy the requirement. */
  modalities: string[];
}

const XRAY = ['CR', 'DX'];
const KNEE = ['KNEE'];
const SPINE = ['SPINE', 'LSPINE', 'CSPINE', 'TSPINE'];
const HEART = ['HEART', 'CHEST'];
const BRAIN = ['BRAIN', 'HEAD'];

const row = (procedure: string, procedureName: string, cptCode: string | undefined, bodyParts: string[]) =>
  (requirement: string, modalities: string[]): ProcedureRequirement => ({ procedure, procedureName, cptCode, requirement, bodyParts, modalities });

const knee = row('knee_replacement', 'Total knee replacement', '27447', KNEE);
const acl = row('acl_reconstruction', 'ACL reconstruction', undefined, KNEE);
const hip = row('hip_replacement', 'Total hip replacement', '27130', ['HIP']);
const fusion = row('spinal_fusion', 'Spinal fusion', undefined, SPINE);
const laminectomy = row('laminectomy', 'Laminectomy', undefined, SPINE);
const cabg = row('cabg', 'Coronary artery bypass graft', '33533', HEART);
const valve = row('valve_replacement', 'Heart valve replacement', undefined, HEART);
const shoulder = row('shoulder_replacement', 'Shoulder replacement', undefined, ['SHOULDER']);
const cuff = row('rotator_cuff', 'Rotator cuff repair', undefined, ['SHOULDER']);
const bariatric = row('bariatric', 'Bariatric surgery', '43775', ['ABDOMEN']);
const hernia = row('hernia_repair', 'Hernia repair', undefined, ['ABDOMEN']);
const craniotomy = row('craniotomy', 'Craniotomy', undefined, BRAIN);
const mastectomy = row('mastectomy', 'Mastectomy', undefined, ['BREAST']);

export const DEFAULT_PROCEDURE_TABLE: readonly ProcedureRequirement[] = [
  knee('Knee MRI', ['MR']), knee('Knee X-Ray', XRAY), knee('Knee CT Scan', ['CT']),
  acl('Knee MRI', ['MR']), acl('Knee X-Ray', XRAY),
  hip('Hip X-Ray', XRAY), hip('Hip MRI', ['MR']), hip('Hip CT Scan', ['CT']),
  fusion('Spine MRI', ['MR']), fusion('Spine X-Ray', XRAY), fusion('Spine CT Scan', ['CT']),
  laminectomy('Spine MRI', ['MR']), laminectomy('Spine CT Scan', ['CT']),
  cabg('Chest X-Ray', XRAY), cabg('Cardiac Echo', ['US']), cabg('Cardiac Catheterization', ['XA']),
  cabg('CT Angiogram', ['CT']), cabg('ECG/EKG', ['ECG']), cabg('Nuclear Stress Test', ['NM', 'PT']), cabg('Cardiac MRI', ['MR']),
  valve('Cardiac Echo', ['US']), valve('ECG/EKG', ['ECG']), valve('Cardiac Catheterization', ['XA']), valve('Chest X-Ray', XRAY),
  shoulder('Shoulder X-Ray', XRAY), shoulder('Shoulder MRI', ['MR']), shoulder('Shoulder CT Scan', ['CT']),
  cuff('Shoulder MRI', ['MR']), cuff('Shoulder Ultrasound', ['US']),
  bariatric('Abdominal Ultrasound', ['US']), bariatric('Abdominal CT Scan', ['CT']),
  hernia('Abdominal Ultrasound', ['US']), hernia('Abdominal CT Scan', ['CT']),
  craniotomy('Brain MRI', ['MR']), craniotomy('Head CT Scan', ['CT']), craniotomy('PET Scan', ['PT', 'NM']),
  mastectomy('Mammogram', ['MG']), mastectomy('Breast Ultrasound', ['US']), mastectomy('Breast MRI', ['MR']),
  mastectomy('PET Scan', ['PT', 'NM']),
];

/**
 * Annex L terms that are part of, or usually stand for, a table body part (partial matches).
 * E.g. a lumbo-sacral spine study is evidence for "Spine MRI", a thorax radiograph for "Chest X-Ray".
 */
export const RELATED_BODY_PARTS: Readonly<Record<string, readonly string[]>> = {
  THORAX: ['CHEST'], LUNG: ['CHEST'], CHESTABDOMEN: ['CHEST', 'ABDOMEN'], CHESTABDPELVIS: ['CHEST', 'ABDOMEN'],
  NECKCHEST: ['CHEST'], CORONARYARTERY: ['HEART'], CARDIOVASCSYS: ['HEART'], ABDOMENPELVIS: ['ABDOMEN'],
  TLSPINE: ['SPINE'], CTSPINE: ['SPINE'], LSSPINE: ['SPINE'], SSPINE: ['SPINE'], SPINALCORD: ['SPINE'],
  SKULL: ['HEAD'], HEADNECK: ['HEAD'], INTRACRANIAL: ['BRAIN'], CEREBELLUM: ['BRAIN'], PATELLA: ['KNEE'],
  LEG: ['KNEE'], LOWERLEG: ['KNEE'], PELVIS: ['HIP'], HUMERUS: ['SHOULDER'], SCAPULA: ['SHOULDER'], ACJOINT: ['SHOULDER'],
};

/** Modalities that by themselves imply the examined region (seed doc Appendix A). */
export const IMPLIED_BODY_PART: Readonly<Record<string, string>> = { MG: 'BREAST', ECG: 'HEART', XA: 'HEART' };
