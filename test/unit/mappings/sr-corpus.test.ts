/**
 * Every SR in the corpus, checked against its DCMTK dsrdump text (corpus/dumps/):
 * NUM values, units and concepts, CODE and TEXT values and finding classes must match
 * what the dump shows; files are read in place with dcmjs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation } from '../../../mappings/fhir-r4.js';
import { type MappedStudy, mapStudy } from '../../../mappings/index.js';
import { SRT_TO_SCT } from '../../../mappings/data/srt-to-sct.js';
import { SPEC_CONTEXT, corpusFiles, dumpNums, readCorpus, readDump } from './helpers.js';

const CTX = { ...SPEC_CONTEXT, defaultPatientIdSystem: 'urn:example:corpus-mrn' };
const SYSTEMS: Record<string, string> = {
  DCM: 'http://dicom.nema.org/resources/ontology/DCM', SCT: 'http://snomed.info/sct', LN: 'http://loinc.org', UCUM: 'http://unitsofmeasure.org',
};

function mapFile(file: string): MappedStudy {
  const ds = readCorpus(file);
  assert.ok(ds, `dcmjs reads ${file}`);
  return mapStudy([ds], CTX);
}

/** Expected Coding for a dump triple: built-in schemes as is, SRT through the SNOMED CT table. */
function expectedCoding([code, scheme, meaning]: [string, string, string]): { system: string; code: string; display: string } | undefined {
  if (scheme === 'SRT') return SRT_TO_SCT[code] ? { system: SYSTEMS.SCT, code: SRT_TO_SCT[code], display: meaning } : { system: 'http://snomed.info/srt', code, display: meaning };
  return SYSTEMS[scheme] ? { system: SYSTEMS[scheme], code, display: meaning } : undefined;
}

function observationAt(out: MappedStudy, sop: string, path: string): Observation {
  const o = out.observations.find((x) => x.identifier?.[0].value === `${sop}:${path}`);
  assert.ok(o, `Observation for ${path}`);
  return o;
}

/** `<contains CODE:(c,s,"m")=(v,s,"m")>` items (coded findings, not modifiers or context). */
function dumpContainsCodes(dump: string): Array<{ concept: string; value: [string, string, string] }> {
  const re = /<contains CODE:\([^,]+,[^,]+,"([^"]*)"\)=\(([^,]+),([^,]+),"([^"]*)"\)>/gu;
  return [...dump.matchAll(re)].map((m) => ({ concept: m[1], value: [m[2], m[3], m[4]] }));
}

/** `<contains TEXT:...="...">` and `<inferred from TEXT:...>` values; dsrdump truncates with "...". */
function dumpTexts(dump: string): Array<{ concept: string; prefix: string }> {
  const re = /<(?:contains|inferred from) TEXT:\([^,]+,[^,]+,"([^"]*)"\)="(.*)">/gu;
  // dcmjs drops trailing CR/LF from text values when reading, so they are not compared.
  return [...dump.matchAll(re)].map((m) => ({ concept: m[1], prefix: m[2].replace(/\.\.\.$/u, '').replace(/(\\[rn])+$/u, '') }));
}

const escapeLikeDsrdump = (s: string): string => s.replace(/\r/gu, '\\r').replace(/\n/gu, '\\n');

const SR_FILES = corpusFiles('sr').filter((f) => !f.endsWith('.ko.dcm'));

describe('SR corpus vs dsrdump: NUM items', () => {
  for (const file of SR_FILES) {
    it(`${file}: every NUM value, unit and concept as in the dump`, () => {
      const out = mapFile(file);
      const sop = out.diagnosticReports[0]?.identifier?.[0].value?.replace('urn:oid:', '') ?? '';
      const expected = dumpNums(readDump(file));
      const got = out.findings.filter((f) => f.valueType === 'NUM' && f.value !== undefined);
      assert.equal(got.length, expected.length, 'number of valued NUM items');
      expected.forEach((n, i) => {
        const f = got[i];
        assert.equal(f.findingType, 'measurement');
        assert.equal(f.value, n.value);
        assert.equal(f.conceptName, n.concept[2]);
        assert.equal(f.unitCode, n.unit[0]);
        assert.equal(f.unit, n.unit[2]);
        const obs = observationAt(out, sop, f.path);
        const ucum = n.unit[1] === 'UCUM';
        assert.deepEqual(obs.valueQuantity, ucum
          ? { value: n.value, unit: n.unit[2], system: SYSTEMS.UCUM, code: n.unit[0] }
          : { value: n.value, unit: n.unit[2] });
        const coding = expectedCoding(n.concept);
        if (coding) assert.deepEqual(obs.code.coding, [coding]);
        else assert.equal(obs.code.coding, undefined);
      });
    });
  }
});

describe('SR corpus vs dsrdump: CODE and TEXT items', () => {
  for (const file of SR_FILES) {
    it(`${file}: coded and text findings as in the dump`, () => {
      const out = mapFile(file);
      const dump = readDump(file);
      const codes = out.findings.filter((f) => f.valueType === 'CODE');
      const expectedCodes = dumpContainsCodes(dump);
      assert.deepEqual(codes.map((f) => [f.conceptName, f.codeMeaning]), expectedCodes.map((c) => [c.concept, c.value[2]]));
      codes.forEach((f, i) => {
        const coding = expectedCoding(expectedCodes[i].value);
        if (coding) assert.deepEqual(f.code, coding);
        else assert.equal(f.code, undefined);
        assert.ok(['finding', 'coded_diagnosis', 'impression'].includes(f.findingType));
      });
      const texts = out.findings.filter((f) => f.valueType === 'TEXT');
      const expectedTexts = dumpTexts(dump);
      assert.equal(texts.length, expectedTexts.length, 'number of TEXT findings');
      texts.forEach((f, i) => {
        assert.equal(f.conceptName, expectedTexts[i].concept);
        assert.ok(escapeLikeDsrdump(f.text ?? '').startsWith(expectedTexts[i].prefix), `${f.path}: ${f.text} ~ ${expectedTexts[i].prefix}`);
        assert.equal(f.findingType, 'finding');
      });
    });
  }
});

describe('SR corpus: documents', () => {
  it('the Key Object Selection document yields no findings and no report', () => {
    const out = mapFile('sr/clearcanvas-key-images.ko.dcm');
    assert.deepEqual(out.errors, []);
    assert.deepEqual([out.findings, out.observations, out.diagnosticReports, out.conditions], [[], [], [], []]);
    // Still indexed: the KO instance is listed in the ImagingStudy with its root concept as title.
    const instance = out.imagingStudy!.series![0].instance![0];
    assert.equal(instance.title, 'Of Interest');
    assert.equal(out.imagingStudy!.modality, undefined, 'KO is not an acquisition modality');
  });

  it('report statuses follow the flags (spec 7) for every SR', () => {
    const status = (f: string): string => mapFile(f).diagnosticReports[0].status;
    assert.equal(status('sr/MarekLatin2.dcm'), 'partial'); // PARTIAL, UNVERIFIED
    assert.equal(status('sr/dcmjs-structured_report.dcm'), 'preliminary'); // COMPLETE, UNVERIFIED
    assert.equal(status('sr/highdicom-sr_document.dcm'), 'preliminary'); // PRELIMINARY flag
    assert.equal(status('sr/test-SR.dcm'), 'amended'); // VERIFIED + predecessor documents
    for (const f of ['sr/dwv-tid1500-circle.dcm', 'sr/report_dfl.dcm', 'sr/reportsi.dcm']) assert.equal(status(f), 'partial');
  });

  it('no corpus SR creates a Condition (none is a verified report with a coded impression)', () => {
    for (const f of SR_FILES) assert.deepEqual(mapFile(f).conditions, [], f);
  });
});
