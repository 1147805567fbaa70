/**
 * Burned-in annotation risk (issue #5): an instance whose pixels may hold burned-in
 * text (Burned In Annotation = YES, ultrasound, Secondary Capture; dicom/burned-in.ts)
 * carries one `burned-in-annotation-risk` extension per reason on its
 * ImagingStudy.series.instance, in identified and de-identified mode; others carry none.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DicomDataset } from '../../../mappings/dicom-json.js';
import type { Extension, ImagingStudyInstance } from '../../../mappings/fhir-r4.js';
import { type MappingContext, mapStudy } from '../../../mappings/index.js';
import { SPEC_CONTEXT, el, readCorpus } from './helpers.js';

const CTX: MappingContext = { ...SPEC_CONTEXT, defaultPatientIdSystem: 'urn:example:corpus-mrn' };
const URL = 'https://fhir.example.org/StructureDefinition/burned-in-annotation-risk';

function load(file: string): DicomDataset {
  const ds = readCorpus(file);
  assert.ok(ds, `dcmjs reads ${file}`);
  return ds;
}

function instances(datasets: DicomDataset[], ctx: MappingContext = CTX): ImagingStudyInstance[] {
  const out = mapStudy(datasets, ctx);
  assert.ok(out.imagingStudy, `mapped: ${JSON.stringify(out.errors)}`);
  return (out.imagingStudy.series ?? []).flatMap((s) => s.instance ?? []);
}

const risk = (inst: ImagingStudyInstance): string[] =>
  (inst.extension ?? []).filter((e: Extension) => e.url === URL).map((e) => String(e.valueCode));

describe('ImagingStudy: burned-in annotation risk per instance', () => {
  it('an ultrasound (us/examples_rgb_color.dcm) is flagged "ultrasound"', () => {
    const [inst] = instances([load('us/examples_rgb_color.dcm')]);
    assert.deepEqual(risk(inst), ['ultrasound'], 'ultrasound instance flagged');
    assert.deepEqual(inst.extension, [{ url: URL, valueCode: 'ultrasound' }], 'one extension, local canonical URL, valueCode only');
  });

  it('an ultrasound whose Burned In Annotation is NO is still flagged by its modality', () => {
    // The corpus's US with NO (us/YBR_422.dcm) has an invalid SOP Instance UID and is not mapped.
    const ds: DicomDataset = { ...load('us/examples_palette.dcm'), '00280301': el('CS', 'NO') };
    assert.deepEqual(risk(instances([ds])[0]), ['ultrasound'], 'NO does not clear a modality known to burn text');
  });

  it('a Secondary Capture (other/clearcanvas-real01.dcm) is flagged "secondary-capture"', () => {
    const ds = load('other/clearcanvas-real01.dcm');
    assert.equal(ds['00080016']?.Value?.[0], '1.2.840.10008.5.1.4.1.1.7', 'fixture precondition: SC Image Storage');
    assert.deepEqual(risk(instances([ds])[0]), ['secondary-capture'], 'secondary capture flagged');
  });

  it('Burned In Annotation = YES is flagged, with every other reason that applies', () => {
    // The corpus has no file with (0028,0301) = YES: a CT and an ultrasound with it set.
    const ct = { ...load('ct/CT_small.dcm'), '00280301': el('CS', 'YES') };
    assert.deepEqual(risk(instances([ct])[0]), ['burned-in-annotation-yes'], 'CT with YES flagged');
    const us = { ...load('us/examples_rgb_color.dcm'), '00280301': el('CS', 'YES ') };
    assert.deepEqual(risk(instances([us])[0]), ['burned-in-annotation-yes', 'ultrasound'], 'one extension per reason, padding ignored');
  });

  it('a CT, and a DX whose Burned In Annotation is NO, carry no flag', () => {
    for (const file of ['ct/CT_small.dcm', 'cr-dx/dx_image.dcm']) {
      for (const inst of instances([load(file)])) {
        assert.equal(inst.extension, undefined, `${file}: no extension on an instance not at risk`);
      }
    }
  });

  it('a study mixing a CT and an ultrasound flags only the ultrasound instance', () => {
    const ct = load('ct/CT_small.dcm');
    const us: DicomDataset = { ...load('us/examples_rgb_color.dcm'), '0020000D': ct['0020000D'] };
    const all = instances([ct, us]);
    const byUid = new Map(all.map((i) => [i.uid, risk(i)]));
    assert.deepEqual(byUid.get(String(ct['00080018']?.Value?.[0])), [], 'CT instance not flagged');
    assert.deepEqual(byUid.get(String(us['00080018']?.Value?.[0])), ['ultrasound'], 'US instance flagged');
  });

  it('the flag stays in de-identified mode (headers de-identified, pixels never are)', () => {
    const deid: MappingContext = { ...CTX, mode: 'deidentified', deid: { pseudonymSecret: 'test-secret' } };
    assert.deepEqual(risk(instances([load('us/examples_rgb_color.dcm')], deid)[0]), ['ultrasound'], 'flag kept in de-identified mode');
  });

  it('the extension URL follows canonicalBase', () => {
    const ctx: MappingContext = { ...CTX, canonicalBase: 'urn:dicomweb-fhir-server/' };
    const [inst] = instances([load('other/clearcanvas-real01.dcm')], ctx);
    assert.deepEqual(inst.extension, [{ url: 'urn:dicomweb-fhir-server/StructureDefinition/burned-in-annotation-risk', valueCode: 'secondary-capture' }], 'URL built on the configured canonical base');
  });
});
