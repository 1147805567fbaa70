/**
 * Every corpus file dcmjs can read is mapped (alone, and multi-file series together);
 * mapStudy never throws, and the ImagingStudy/Bundle invariants of spec 11 hold.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { DicomDataset } from '../../../mappings/dicom-json.js';
import type { Bundle, ImagingStudy } from '../../../mappings/fhir-r4.js';
import { type MappedStudy, mapStudy } from '../../../mappings/index.js';
import { inR4DcmEdition } from '../../../mappings/data/dcm-r4-edition.js';
import { ACQUISITION_MODALITIES } from '../../../mappings/data/modalities.js';
import { CORPUS, SPEC_CONTEXT, corpusFiles, readCorpus } from './helpers.js';

const CTX = { ...SPEC_CONTEXT, defaultPatientIdSystem: 'urn:example:corpus-mrn' };
const FOLDERS = fs.readdirSync(CORPUS).filter((d) => !['dumps', 'LICENSES'].includes(d) && fs.statSync(path.join(CORPUS, d)).isDirectory()).sort();
const FILES = FOLDERS.flatMap((f) => corpusFiles(f));
const READABLE = FILES.map((file) => ({ file, ds: readCorpus(file) })).filter((x): x is { file: string; ds: DicomDataset } => !!x.ds);
const MULTI_FILE_SERIES = ['ct/dcmqi-24x38x3', 'ct/dcmqi-ct-3slice', 'ct/pcir-77654033-CT2', 'mr/pcir-98892003-MR700'];
const uidOf = (ds: DicomDataset, tag: string): string | undefined => ds[tag]?.Value?.[0] as string | undefined;

/** Every dateTime with a time part carries an offset (R4 dateTime rule); every instant is complete. */
function assertDateTimes(value: unknown, where: string): void {
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/u.test(v)) assert.match(v, /T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/u, `${where} ${key}`);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(value, '');
}

function assertBundle(bundle: Bundle, where: string): void {
  assert.equal(bundle.type, 'transaction');
  const urls = bundle.entry.map((e) => e.fullUrl);
  assert.equal(new Set(urls).size, urls.length, `${where}: unique fullUrls`);
  for (const u of urls) assert.match(u, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/u);
  const refs = [...JSON.stringify(bundle.entry.map((e) => e.resource)).matchAll(/"reference":"([^"]+)"/gu)].map((m) => m[1]);
  for (const r of refs) assert.ok(urls.includes(r), `${where}: reference ${r} resolves inside the Bundle`);
  for (const e of bundle.entry) {
    const id = (e.resource as { identifier?: Array<{ system?: string; value?: string }> }).identifier ?? [];
    // Search values are percent-encoded and FHIR-escaped (`\|`, `\,`, `\$`); undo both to compare.
    const query = decodeURIComponent(e.request.ifNoneExist ?? e.request.url.split('?')[1]).replace(/\\([\\|,$])/gu, '$1');
    assert.ok(id.some((i) => query === `identifier=${i.system}|${i.value}`), `${where}: ${e.request.url} key is in identifier`);
  }
}

function assertImagingStudy(study: ImagingStudy, datasets: DicomDataset[], where: string): void {
  const studyUid = uidOf(datasets[0], '0020000D');
  assert.deepEqual(study.identifier![0], { system: 'urn:dicom:uid', value: `urn:oid:${studyUid}` });
  assert.equal(study.status, 'available');
  const series = study.series ?? [];
  assert.equal(study.numberOfSeries, series.length);
  assert.equal(study.numberOfInstances, series.reduce((n, s) => n + s.numberOfInstances!, 0));
  const sops = new Set(datasets.map((d) => uidOf(d, '00080018')));
  assert.equal(study.numberOfInstances, sops.size, `${where}: counted from the given instances`);
  assert.equal(new Set(series.map((s) => s.uid)).size, series.length);
  for (const s of series) {
    assert.equal(s.numberOfInstances, s.instance!.length);
    // Modalities R4's DCM CodeSystem lacks (SC, ANN) go without system (mappings/coding.ts).
    const expected = inR4DcmEdition(s.modality.code!) ? 'http://dicom.nema.org/resources/ontology/DCM' : undefined;
    assert.equal(s.modality.system, expected, `${where}: modality ${s.modality.code}`);
    for (const i of s.instance!) assert.match(i.sopClass.code!, /^urn:oid:[0-9.]+$/u);
  }
  for (const m of study.modality ?? []) {
    assert.ok(ACQUISITION_MODALITIES.has(m.code!), `${where}: ${m.code} is CID 29`);
  }
  assertDateTimes(study, where);
}

function check(where: string, datasets: DicomDataset[]): MappedStudy {
  let out: MappedStudy | undefined;
  assert.doesNotThrow(() => { out = mapStudy(datasets, CTX); }, where);
  assert.ok(out);
  assert.ok(!out.errors.some((e) => e.code === 'INTERNAL'), `${where}: ${JSON.stringify(out.errors)}`);
  if (out.imagingStudy) {
    assertImagingStudy(out.imagingStudy, datasets, where);
    assertBundle(out.bundle!, where);
  }
  return out;
}

describe('corpus: every readable file maps without throwing', () => {
  it('reads most of the corpus with dcmjs', () => {
    assert.ok(READABLE.length > 120, `${READABLE.length} of ${FILES.length} readable`);
  });

  for (const { file, ds } of READABLE) {
    it(file, () => {
      const out = check(file, [ds]);
      const valid = ['0020000D', '0020000E', '00080018', '00080016'].every((t) => /^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/u.test(uidOf(ds, t) ?? ''));
      if (valid) {
        assert.ok(out.imagingStudy, `${file}: ImagingStudy for a file with valid keys (${JSON.stringify(out.errors)})`);
        assert.ok(out.summaryText.length > 0);
      } else {
        assert.equal(out.bundle, undefined);
        assert.ok(out.errors.some((e) => e.code === 'REQUIRED_UID'));
      }
    });
  }
});

describe('corpus: multi-file series map to one study', () => {
  for (const folder of MULTI_FILE_SERIES) {
    it(folder, () => {
      const datasets = corpusFiles(folder).map((f) => readCorpus(f)!);
      const out = check(folder, datasets);
      assert.equal(out.imagingStudy!.numberOfInstances, datasets.length);
      const numbers = out.imagingStudy!.series!.flatMap((s) => s.instance!.map((i) => i.number ?? Infinity));
      assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'instances sorted by number');
    });
  }

  it('ct/pcir-77654033-CT2 (HEAD) yields the SNOMED CT body site and a craniotomy match', () => {
    const out = mapStudy(corpusFiles('ct/pcir-77654033-CT2').map((f) => readCorpus(f)!), CTX);
    assert.deepEqual(out.imagingStudy!.series![0].bodySite, { system: 'http://snomed.info/sct', code: '69536005', display: 'Head' });
    const m = out.procedureMatches.find((x) => x.procedure === 'craniotomy' && x.requirement === 'Head CT Scan')!;
    assert.ok(m.confidence >= 0.95);
  });
});
