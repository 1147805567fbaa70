/**
 * ImagingStudy.series[] and series.instance[] (spec 4.2, 4.3).
 */
import { burnedInRisk } from '../dicom/burned-in.js';
import { bodyPartCoding } from './body-part.js';
import { SYSTEM, dcmCoding, toCoding } from './coding.js';
import { code, codeSeq, dateTimeOf, personNameDisplay, personNames, str, strs } from './dicom-json.js';
import type { MapEnv } from './env.js';
import type { Coding, Extension, ImagingStudyInstance, ImagingStudyPerformer, ImagingStudySeries } from './fhir-r4.js';
import type { IndexedInstance, IndexedSeries } from './study-index.js';
import { firstString, firstWith } from './study-index.js';
import { TAG } from './tags.js';
import { allowFreeText, allowPersonNames } from './text-policy.js';

/** CID 244 laterality values (spec 4.2). `U` (unpaired) and unknown values are omitted. */
const LATERALITY: Readonly<Record<string, Coding>> = {
  R: { system: SYSTEM.SCT, code: '24028007', display: 'Right' },
  L: { system: SYSTEM.SCT, code: '7771000', display: 'Left' },
  B: { system: SYSTEM.SCT, code: '51440002', display: 'Right and left' },
};

const SR_CLASS_PREFIX = '1.2.840.10008.5.1.4.1.1.88.';
const ENCAPSULATED_PREFIX = '1.2.840.10008.5.1.4.1.1.104.';

export function seriesModality(series: IndexedSeries, env: MapEnv): string {
  const modality = series.instances.map((i) => code(i.ds, TAG.Modality)).find(Boolean);
  if (!modality) env.issues.warn('MODALITY_MISSING', 'Series has no Modality; using OT', { sopInstanceUid: series.instances[0].sopInstanceUid });
  return modality ?? 'OT';
}

/** Series laterality: (0020,0060), else (0020,0062) when all instances agree (spec 4.2). */
export function seriesLaterality(series: IndexedSeries): string | undefined {
  const own = firstString(series.instances, TAG.Laterality)?.toUpperCase();
  if (own) return own;
  const image = new Set(series.instances.map((i) => code(i.ds, TAG.ImageLaterality)));
  const [only] = [...image];
  return image.size === 1 && only ? only : undefined;
}

export function lateralityCoding(value: string | undefined): Coding | undefined {
  return value ? LATERALITY[value] : undefined;
}

/** Anatomic Region Sequence item 1, else Body Part Examined via Annex L (spec 4.2, 4.6). */
function seriesBodySite(series: IndexedSeries, env: MapEnv): Coding | undefined {
  const region = series.instances.map((i) => codeSeq(i.ds, TAG.AnatomicRegionSequence)).find(Boolean);
  const coded = toCoding(region, env.coding);
  if (coded) return coded;
  const term = firstString(series.instances, TAG.BodyPartExamined);
  if (!term) return undefined;
  const coding = bodyPartCoding(term);
  if (!coding) env.issues.warn('BODY_PART_UNKNOWN', `Body Part Examined '${term}' is not in PS3.16 Annex L; bodySite omitted`, { sopInstanceUid: series.instances[0].sopInstanceUid });
  return coding;
}

function performers(series: IndexedSeries, env: MapEnv): ImagingStudyPerformer[] {
  if (!allowPersonNames(env.cfg)) return [];
  const pick = (tag: string): string[] => personNames(firstWith(series.instances, tag), tag);
  const roles: Array<[string, string]> = [[TAG.PerformingPhysicianName, 'PRF'], [TAG.OperatorsName, 'SPRF']];
  return roles.flatMap(([tag, fn]) =>
    pick(tag).map(personNameDisplay).filter((d): d is string => !!d).map((display) => ({
      function: { coding: [{ system: SYSTEM.PARTICIPATION, code: fn }] },
      actor: { display },
    })));
}

/** Instance title (spec 4.3, R4 mapping of ImagingStudy.series.instance.title). */
function instanceTitle(inst: IndexedInstance, env: MapEnv): string | undefined {
  const { ds, sopClassUid } = inst;
  if (sopClassUid.startsWith(ENCAPSULATED_PREFIX)) {
    return allowFreeText(env.cfg, ds) ? str(ds, TAG.DocumentTitle) : undefined;
  }
  if (sopClassUid.startsWith(SR_CLASS_PREFIX)) {
    return str(ds, TAG.ContentLabel) ?? codeSeq(ds, TAG.ConceptNameCodeSequence)?.meaning;
  }
  const label = str(ds, TAG.ContentLabel);
  if (label) return label;
  const imageType = strs(ds, TAG.ImageType);
  return imageType.length > 0 ? imageType.join(' ') : undefined;
}

/**
 * Instances whose pixels may hold burned-in identifying text (dicom/burned-in.ts): one
 * extension per reason, so a consumer never takes the instance for clean even when the
 * headers were de-identified (the pixels never are).
 */
function burnedInExtensions(inst: IndexedInstance, env: MapEnv): Extension[] {
  const url = `${env.cfg.canonicalBase}/StructureDefinition/burned-in-annotation-risk`;
  return burnedInRisk(inst.ds).map((valueCode) => ({ url, valueCode }));
}

function toInstance(inst: IndexedInstance, env: MapEnv): ImagingStudyInstance {
  const extension = burnedInExtensions(inst, env);
  // R4 element order.
  const out: ImagingStudyInstance = {
    ...(extension.length > 0 ? { extension } : {}),
    uid: inst.sopInstanceUid,
    sopClass: { system: SYSTEM.RFC3986, code: `urn:oid:${inst.sopClassUid}` },
  };
  if (inst.number !== undefined) out.number = inst.number;
  const title = instanceTitle(inst, env);
  if (title) out.title = title;
  return out;
}

export function toSeries(series: IndexedSeries, env: MapEnv): ImagingStudySeries {
  const first = series.instances[0].ds;
  const description = firstString(series.instances, TAG.SeriesDescription);
  const bodySite = seriesBodySite(series, env);
  const laterality = lateralityCoding(seriesLaterality(series));
  const dated = firstWith(series.instances, TAG.SeriesDate);
  const started = dated ? dateTimeOf(dated, TAG.SeriesDate, TAG.SeriesTime, env.dates) : undefined;
  const performer = performers(series, env);
  // R4 element order.
  return {
    uid: series.uid,
    ...(series.number !== undefined ? { number: series.number } : {}),
    modality: dcmCoding(seriesModality(series, env)),
    ...(description && allowFreeText(env.cfg, first) ? { description } : {}),
    numberOfInstances: series.instances.length,
    ...(bodySite ? { bodySite } : {}),
    ...(laterality ? { laterality } : {}),
    ...(started ? { started } : {}),
    ...(performer.length > 0 ? { performer } : {}),
    instance: series.instances.map((i) => toInstance(i, env)),
  };
}
