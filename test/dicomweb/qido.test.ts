import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { BACKENDS, startTestApp, type TestApp } from '../helpers/test-app.js';
import { STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { newUid, syntheticInstance } from '../fixtures/synthetic-dicom.js';

/** A small archive whose attributes each query below is meant to tell apart. */
const S = { doe: newUid(), muller: newUid(), smith: newUid() };
const SE = { doeCt: newUid(), doeMr: newUid(), muller: newUid(), smith: newUid() };

function archive(): Buffer[] {
  const doe = { PatientName: 'Doe^John', PatientID: 'P-DOE', StudyDate: '20240115', StudyTime: '101500', AccessionNumber: 'A1', StudyDescription: 'CT Knee' };
  const muller = { PatientName: 'Müller^Jörg^^Dr', PatientID: 'P-MUL', StudyDate: '20230301', StudyTime: '235900', AccessionNumber: 'A2', StudyDescription: 'MR Brain' };
  const smith = { PatientName: 'Smith^Anna', PatientID: 'P-SMI', StudyDate: '20221231', StudyTime: '080000', AccessionNumber: 'A3', StudyDescription: 'CT Chest' };
  return [
    ...[1, 2, 3].map((n) => syntheticInstance({ studyUid: S.doe, seriesUid: SE.doeCt, modality: 'CT', attrs: { ...doe, InstanceNumber: String(n), SeriesNumber: '1', BodyPartExamined: 'KNEE', Manufacturer: 'GE Healthcare', ContrastBolusAgent: 'Iohexol', RequestAttributesSequence: [{ ScheduledProcedureStepID: 'SPS-1', RequestedProcedureID: 'RP-1' }, { ScheduledProcedureStepID: 'SPS-2', RequestedProcedureID: 'RP-2' }] } })),
    syntheticInstance({ studyUid: S.doe, seriesUid: SE.doeMr, modality: 'MR', attrs: { ...doe, SeriesNumber: '2', SeriesDescription: 'T1 sag', BodyPartExamined: 'knee', Manufacturer: 'Siemens' } }),
    ...[1, 2].map((n) => syntheticInstance({ studyUid: S.muller, seriesUid: SE.muller, modality: 'MR', attrs: { ...muller, InstanceNumber: String(n), BodyPartExamined: 'BRAIN', Manufacturer: 'Philips Medical', RequestAttributesSequence: [{ ScheduledProcedureStepID: 'SPS-3', RequestedProcedureID: 'RP-3' }] } })),
    syntheticInstance({ studyUid: S.smith, seriesUid: SE.smith, modality: 'CT', attrs: { ...smith, BodyPartExamined: 'CHEST', Manufacturer: 'GE Healthcare', Laterality: 'R' } }),
  ];
}

const uids = (body: any[], tag = '0020000D') => body.map((r) => r[tag].Value[0]).sort();

for (const backend of BACKENDS) {
  describe(`QIDO-RS on ${backend}`, () => {
    let t: TestApp;
    const get = (path: string) => request(t.app).get(path);
    const studies = async (q: string) => {
      const res = await get(`/dicomweb/studies?${q}`);
      assert.equal(res.status, 200, `${q}: ${JSON.stringify(res.body)}`);
      return uids(res.body);
    };

    before(async () => {
      t = await startTestApp(backend);
      const res = await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(multipartBody(archive()));
      assert.equal(res.status, 200);
    });
    after(async () => t.close());

    test('returns the required study attributes, with computed counts and modalities', async () => {
      const res = await get(`/dicomweb/studies?StudyInstanceUID=${S.doe}`);
      assert.equal(res.type, 'application/dicom+json');
      const [s] = res.body;
      assert.deepEqual(s['00080061'].Value.sort(), ['CT', 'MR']);
      assert.equal(s['00201206'].Value[0], 2);
      assert.equal(s['00201208'].Value[0], 4);
      assert.equal(s['00080056'].Value[0], 'ONLINE');
      assert.equal(s['00100010'].Value[0].Alphabetic, 'Doe^John');
      assert.match(s['00081190'].Value[0], new RegExp(`/dicomweb/studies/${S.doe}$`));
      for (const tag of ['00080020', '00080030', '00080050', '00100020', '00100030', '00100040', '00200010']) assert.ok(s[tag], `study attribute ${tag}`);
    });

    test('single value, keyword or tag, and UID lists with backslash or comma', async () => {
      assert.deepEqual(await studies('PatientID=P-DOE'), [S.doe]);
      assert.deepEqual(await studies('00100020=P-MUL'), [S.muller]);
      assert.deepEqual(await studies(`StudyInstanceUID=${S.doe}\\${S.smith}`), [S.doe, S.smith].sort());
      assert.deepEqual(await studies(`StudyInstanceUID=${S.doe},${S.muller}`), [S.doe, S.muller].sort());
      assert.deepEqual(await studies('PatientID=p-doe'), [], 'LO matching is case-sensitive');
    });

    test('wildcards * and ?, case- and accent-insensitive for person names', async () => {
      assert.deepEqual(await studies('PatientName=*doe*'), [S.doe]);
      assert.deepEqual(await studies('PatientName=D?E*'), [S.doe]);
      assert.deepEqual(await studies('PatientName=muller*'), [S.muller]);
      assert.deepEqual(await studies('PatientName=*'), [S.doe, S.muller, S.smith].sort());
      assert.deepEqual(await studies('AccessionNumber=A?'), [S.doe, S.muller, S.smith].sort());
    });

    test('fuzzy matching matches name words by prefix, in any order', async () => {
      assert.deepEqual(await studies('PatientName=john&fuzzymatching=true'), [S.doe]);
      assert.deepEqual(await studies('PatientName=jo%20do&fuzzymatching=true'), [S.doe]);
      assert.deepEqual(await studies('PatientName=john&fuzzymatching=false'), []);
    });

    test('date and time ranges, open at either end', async () => {
      assert.deepEqual(await studies('StudyDate=20230101-20241231'), [S.doe, S.muller].sort());
      assert.deepEqual(await studies('StudyDate=-20230101'), [S.smith]);
      assert.deepEqual(await studies('StudyDate=20240101-'), [S.doe]);
      assert.deepEqual(await studies('StudyDate=20230301'), [S.muller]);
      assert.deepEqual(await studies('StudyTime=1000-1100'), [S.doe]);
      assert.deepEqual(await studies('StudyTime=2359-'), [S.muller]);
    });

    test('searches beyond the required keys: body part, manufacturer, contrast, laterality', async () => {
      assert.deepEqual(await studies('BodyPartExamined=knee'), [S.doe]);
      assert.deepEqual(await studies('Manufacturer=*ge*'), [S.doe, S.smith].sort());
      assert.deepEqual(await studies('ContrastBolusAgent=IO*'), [S.doe]);
      assert.deepEqual(await studies('ModalitiesInStudy=MR'), [S.doe, S.muller].sort());
      assert.deepEqual(await studies('Laterality=R'), [S.smith]);
      const series = await get('/dicomweb/series?BodyPartExamined=KNEE&Modality=MR');
      assert.deepEqual(uids(series.body, '0020000E'), [SE.doeMr]);
    });

    test('"has contrast" is a search of its own', async () => {
      const res = await get('/dicomweb/series?hascontrast=true');
      assert.equal(res.status, 200);
      assert.deepEqual(uids(res.body, '0020000E'), [SE.doeCt]);
      const no = await get(`/dicomweb/studies/${S.doe}/series?hascontrast=false`);
      assert.deepEqual(uids(no.body, '0020000E'), [SE.doeMr]);
    });

    test('all six resource paths, with the right attributes at each level', async () => {
      const series = await get(`/dicomweb/studies/${S.doe}/series`);
      assert.deepEqual(series.body.map((s: any) => s['00200011'].Value[0]), [1, 2], 'series ordered by number');
      assert.equal(series.body[0]['00201209'].Value[0], 3);
      assert.equal(series.body[0]['00100010'], undefined, 'study attributes only when the study is not in the path');
      const allSeries = await get('/dicomweb/series?Modality=CT');
      assert.deepEqual(uids(allSeries.body, '0020000E'), [SE.doeCt, SE.smith].sort());
      assert.ok(allSeries.body[0]['00100010'], 'study attributes on /series');
      const inst = await get(`/dicomweb/studies/${S.doe}/series/${SE.doeCt}/instances`);
      assert.deepEqual(inst.body.map((i: any) => i['00200013'].Value[0]), [1, 2, 3]);
      for (const tag of ['00080016', '00080018', '00280010', '00280011', '00280100', '00081190']) assert.ok(inst.body[0][tag], tag);
      const studyInst = await get(`/dicomweb/studies/${S.doe}/instances`);
      assert.equal(studyInst.body.length, 4);
      assert.ok(studyInst.body[0]['0020000E'], 'series attributes when the series is not in the path');
      const allInst = await get(`/dicomweb/instances?SeriesInstanceUID=${SE.muller}`);
      assert.equal(allInst.body.length, 2);
      assert.ok(allInst.body[0]['00100020'] && allInst.body[0]['00201209']);
    });

    test('includefield by keyword, tag, comma list, repeated, and all', async () => {
      const res = await get(`/dicomweb/studies/${S.doe}/series?includefield=BodyPartExamined&includefield=00080070,0008103E`);
      const mr = res.body.find((s: any) => s['0020000E'].Value[0] === SE.doeMr);
      assert.equal(mr['00180015'].Value[0], 'knee');
      assert.equal(mr['00080070'].Value[0], 'Siemens');
      assert.equal(mr['0008103E'].Value[0], 'T1 sag');
      const all = await get(`/dicomweb/studies/${S.doe}/series/${SE.doeCt}/instances?includefield=all`);
      assert.equal(all.body[0]['00280002'].Value[0], 1, 'SamplesPerPixel comes back with all');
    });

    test('limit and offset page through results with a Warning header when cut', async () => {
      const first = await get('/dicomweb/studies?limit=2');
      assert.equal(first.body.length, 2);
      assert.match(first.headers.warning, /^299 .*Additional results can be requested/);
      assert.deepEqual(uids(first.body), [S.doe, S.muller].sort(), 'newest studies first');
      const rest = await get('/dicomweb/studies?limit=2&offset=2');
      assert.deepEqual(uids(rest.body), [S.smith]);
      assert.equal(rest.headers.warning, undefined);
      const beyond = await get('/dicomweb/studies?offset=50');
      assert.deepEqual(beyond.body, []);
    });

    test('answers exactly what the OHIF viewer sends', async () => {
      const list = await get('/dicomweb/studies?PatientName=*doe*&StudyDate=19700102-20261122&limit=101&offset=0&fuzzymatching=false&includefield=00081030%2C00080060%2C00080090%2C00100030');
      assert.equal(list.status, 200);
      assert.deepEqual(uids(list.body), [S.doe]);
      assert.equal(list.body[0]['00081030'].Value[0], 'CT Knee');
      const uidList = await get(`/dicomweb/studies?StudyInstanceUID=${S.doe}%5C${S.muller}&limit=101&offset=0&fuzzymatching=false&includefield=00081030%2C00080060`);
      assert.deepEqual(uids(uidList.body), [S.doe, S.muller].sort());
      const series = await get(`/dicomweb/studies/${S.doe}/series?includefield=0008103E,00080021`);
      assert.equal(series.body.length, 2);
      const both = await get('/dicomweb/studies?ModalitiesInStudy=CT%5CMR');
      assert.deepEqual(uids(both.body), [S.doe, S.muller, S.smith].sort(), 'a study with CT and MR is listed once');
      const mod = await get('/dicomweb/studies?ModalitiesInStudy=CT&limit=101&offset=0');
      assert.deepEqual(uids(mod.body), [S.doe, S.smith].sort());
    });

    test('sequence matching on the series keys of PS3.18 Table 10.6.1-5: any item may match, by keyword or tag path', async () => {
      const series = async (q: string) => {
        const res = await get(`/dicomweb/series?${q}`);
        assert.equal(res.status, 200, `${q}: ${JSON.stringify(res.body)}`);
        return res.body as any[];
      };
      const second = await series('RequestAttributesSequence.ScheduledProcedureStepID=SPS-2');
      assert.deepEqual(uids(second, '0020000E'), [SE.doeCt], 'matches the second item');
      const items = second[0]['00400275'].Value;
      assert.deepEqual(items.map((i: any) => i['00400009'].Value[0]), ['SPS-1', 'SPS-2'], 'the matched sequence is returned');
      assert.deepEqual(uids(await series('00400275.00401001=RP-3'), '0020000E'), [SE.muller], 'tag path');
      assert.deepEqual(uids(await series('RequestAttributesSequence.RequestedProcedureID=RP-*'), '0020000E'), [SE.doeCt, SE.muller].sort(), 'wildcard');
      assert.deepEqual(await series('RequestAttributesSequence.RequestedProcedureID=RP-9'), []);
      const inStudy = await get(`/dicomweb/studies/${S.doe}/series?RequestAttributesSequence.ScheduledProcedureStepID=SPS-1&includefield=RequestAttributesSequence.RequestedProcedureID`);
      assert.deepEqual(uids(inStudy.body, '0020000E'), [SE.doeCt]);
      const bad = await get('/dicomweb/series?PatientName.FamilyName=x');
      assert.equal(bad.status, 400, 'not a sequence');
      assert.match(bad.body['00000902'].Value[0], /sequence matching path/);
    });

    test('unknown or unsupported parameters get a clear 400', async () => {
      for (const q of ['NoSuchAttribute=1', 'PatientName.Foo=1', 'RequestAttributesSequence.ScheduledProcedureStepID=1', 'limit=abc', 'offset=-1', 'Rows=64', 'includefield=NotAKeyword', 'PatientID=a&PatientID=b']) {
        const res = await get(`/dicomweb/studies?${q}`);
        assert.equal(res.status, 400, q);
        assert.ok(res.body['00000902'].Value[0].length > 5, `clear message for ${q}`);
      }
      const badUid = await get('/dicomweb/studies/not..a.uid/series');
      assert.equal(badUid.status, 400);
    });
  });
}
