/**
 * Shared test helpers: DICOM JSON builders, the spec section 1 configuration,
 * corpus access through dcmjs (read in place, never copied), and dsrdump parsing.
 */
import fs from 'node:fs';
import path from 'node:path';
import dcmjs from 'dcmjs';
import type { DicomDataset, DicomElement } from '../../../mappings/dicom-json.js';
import type { MappingContext } from '../../../mappings/index.js';

export const CORPUS = '/work/shared/corpus';
export const FIXTURES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../fixtures/fhir');

/** Configuration of spec section 1, as used by the worked examples in section 9. */
export const SPEC_CONTEXT: MappingContext = {
  dicomwebBaseUrl: 'https://pacs.example.org/dicomweb',
  identifierBase: 'https://fhir.example.org/sid',
  canonicalBase: 'https://fhir.example.org',
  patientIdSystems: { HOSPA: 'https://hospital-a.example.org/fhir/sid/mrn' },
  accessionNumberSystem: 'https://hospital-a.example.org/fhir/sid/accession',
  localCodingSchemes: { '99HOSPA': 'https://hospital-a.example.org/fhir/CodeSystem/procedures' },
  defaultTimezone: 'Europe/Berlin',
  mode: 'identified',
  condition: { minReportStatus: 'final', verificationStatus: 'provisional' },
  emitServiceRequestRef: false,
  now: '2024-08-01T12:00:00Z',
};

// ---- DICOM JSON builders -------------------------------------------------------------

export const el = (vr: string, ...Value: unknown[]): DicomElement => ({ vr, Value });
export const pn = (...names: string[]): DicomElement => ({ vr: 'PN', Value: names.map((Alphabetic) => ({ Alphabetic })) });
export const sq = (...items: DicomDataset[]): DicomElement => ({ vr: 'SQ', Value: items });

export function codeItem(value: string, scheme: string, meaning: string): DicomDataset {
  return { '00080100': el('SH', value), '00080102': el('SH', scheme), '00080104': el('LO', meaning) };
}

export const codeSq = (value: string, scheme: string, meaning: string): DicomElement => sq(codeItem(value, scheme, meaning));

/** One SR content item (PS3.3 C.17.3). `value` holds the VT-specific attributes. */
export function contentItem(
  rel: string | undefined, vt: string, concept: [string, string, string] | undefined,
  value: DicomDataset = {}, children: DicomDataset[] = [],
): DicomDataset {
  const ds: DicomDataset = { '0040A040': el('CS', vt), ...value };
  if (rel) ds['0040A010'] = el('CS', rel);
  if (concept) ds['0040A043'] = codeSq(...concept);
  if (children.length > 0) ds['0040A730'] = sq(...children);
  return ds;
}

export const textValue = (text: string): DicomDataset => ({ '0040A160': el('UT', text) });
export const codeValue = (v: string, s: string, m: string): DicomDataset => ({ '0040A168': codeSq(v, s, m) });
export const uidValue = (uid: string): DicomDataset => ({ '0040A124': el('UI', uid) });
export const containerValue = (tid?: string): DicomDataset => ({
  '0040A050': el('CS', 'SEPARATE'),
  ...(tid ? { '0040A504': sq({ '00080105': el('CS', 'DCMR'), '0040DB00': el('CS', tid) }) } : {}),
});
export function numValue(value: string, unit: [string, string, string]): DicomDataset {
  return { '0040A300': sq({ '0040A30A': el('DS', value), '004008EA': codeSq(...unit) }) };
}

// ---- corpus ----------------------------------------------------------------------------

/** Reads a corpus file with dcmjs; undefined when dcmjs cannot parse it. */
export function readCorpus(relative: string): DicomDataset | undefined {
  const buf = fs.readFileSync(path.join(CORPUS, relative));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  try {
    return dcmjs.data.DicomMessage.readFile(ab).dict as DicomDataset;
  } catch {
    return undefined;
  }
}

export function corpusFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(CORPUS, rel)).sort()) {
      const child = path.join(rel, name);
      if (fs.statSync(path.join(CORPUS, child)).isDirectory()) walk(child);
      else if (name.endsWith('.dcm')) out.push(child);
    }
  };
  walk(folder);
  return out;
}

export function readDump(srRelative: string): string {
  return fs.readFileSync(path.join(CORPUS, 'dumps', `${srRelative.replace(/\.dcm$/u, '').replace(/\//gu, '__')}.txt`), 'utf8');
}

export interface DumpNum { concept: [string, string, string]; value: number; unit: [string, string, string] }

/** NUM lines of a dsrdump text: `<contains NUM:(code,scheme,"meaning")="value" (unit,scheme[ver],"meaning")>`. */
export function dumpNums(dump: string): DumpNum[] {
  const re = /NUM:\(([^,]+),([^,]+),"([^"]*)"\)="([^"]+)" \(([^,]+),([^,[]+)(?:\[[^\]]*\])?,"([^"]*)"\)/gu;
  return [...dump.matchAll(re)].map((m) => ({
    concept: [m[1], m[2], m[3]], value: Number(m[4]), unit: [m[5], m[6], m[7]],
  }));
}

/** Every `(code,scheme,"meaning")` triple in a dump line set. */
export function dumpCodes(dump: string): Array<[string, string, string]> {
  return [...dump.matchAll(/\(([^,()]+),([^,()]+),"([^"]*)"\)/gu)].map((m) => [m[1], m[2], m[3]]);
}

// ---- misc ---------------------------------------------------------------------------------

/** Section 9 JSON omits `meta` (spec 9: "meta omitted (2.3)"). */
export function withoutMeta<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (k, v) => (k === 'meta' ? undefined : v))) as T;
}

export function readFixture<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as T;
}
