/**
 * The de-identification engine on datasets built in code: the actions of
 * PS3.15 Table E.1-1, the options of §E.3, nested sequences including SR
 * Content Sequence, tenant-keyed UIDs and pseudonyms, method attributes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset } from '../../deid/deidentify-dataset.js';
import { DeidEngine } from '../../deid/engine.js';
import { DEFAULT_VIEW_OPTIONS, parseOptionList, type DeidOptions } from '../../deid/profile/options.js';
import { TABLE_E1_1 } from '../../deid/profile/table-e1-1.js';

const SECRET = Buffer.from('engine-test-secret');
const el = (vr: string, ...values: unknown[]) => ({ vr, Value: values });
const pn = (name: string) => el('PN', { Alphabetic: name });
const code = (value: string, scheme: string, meaning: string) => ({ '00080100': el('SH', value), '00080102': el('SH', scheme), '00080104': el('LO', meaning) });

const IMAGE_UID = '1.2.826.0.1.3680043.8.498.1';

/** A Comprehensive SR with PHI at every depth. */
function srDataset(): Dataset {
  return {
    '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.88.33'),
    '00080018': el('UI', '1.2.826.0.1.3680043.8.498.99'),
    '00080020': el('DA', '20240115'),
    '00080023': el('DA', '20240116'),
    '00080050': el('SH', 'ACC-778899'),
    '00080060': el('CS', 'SR'),
    '00080070': el('LO', 'ACME'),
    '00080080': el('LO', 'Saint Example Hospital'),
    '00080090': pn('Referrer^Rita'),
    '00081030': el('LO', 'CT chest for Doe'),
    '00100010': pn('Doe^Jane'),
    '00100020': el('LO', 'MRN-12345'),
    '00100030': el('DA', '19700101'),
    '00100040': el('CS', 'F'),
    '00101010': el('AS', '054Y'),
    '00101030': el('DS', 61.5),
    '00101002': el('SQ', { '00100020': el('LO', 'OTHER-1') }),
    '00181000': el('LO', 'SN-445566'),
    '0020000D': el('UI', '1.2.826.0.1.3680043.8.498.10'),
    '0020000E': el('UI', '1.2.826.0.1.3680043.8.498.11'),
    '00200052': el('UI', '1.2.826.0.1.3680043.8.498.12'),
    '00190010': el('LO', 'GEMS_ACQU_01'),
    '00191023': el('DS', 37.5),
    '00191050': el('LO', 'Doe private note'),
    '0040A073': el('SQ', { '0040A075': pn('Verifier^Victor'), '0040A027': el('LO', 'Verifying Org'), '0040A030': el('DT', '20240117101010') }),
    '0040A078': el('SQ', { '0040A123': pn('Author^Anna') }),
    '0040A730': el('SQ',
      { '0040A010': el('CS', 'HAS OBS CONTEXT'), '0040A040': el('CS', 'PNAME'), '0040A043': el('SQ', code('121008', 'DCM', 'Person Observer Name')), '0040A123': pn('Observer^Otto') },
      { '0040A010': el('CS', 'CONTAINS'), '0040A040': el('CS', 'TEXT'), '0040A043': el('SQ', code('121071', 'DCM', 'Finding')), '0040A160': el('UT', 'Jane Doe has a nodule') },
      { '0040A010': el('CS', 'CONTAINS'), '0040A040': el('CS', 'UIDREF'), '0040A124': el('UI', '1.2.826.0.1.3680043.8.498.77') },
      { '0040A010': el('CS', 'CONTAINS'), '0040A040': el('CS', 'DATE'), '0040A121': el('DA', '20240110') },
      {
        '0040A010': el('CS', 'CONTAINS'), '0040A040': el('CS', 'IMAGE'),
        '00081199': el('SQ', { '00081150': el('UI', '1.2.840.10008.5.1.4.1.1.2'), '00081155': el('UI', IMAGE_UID) }),
      },
    ),
  };
}

const v = (ds: Dataset, tag: string) => ds[tag]?.Value?.[0];
const item = (ds: Dataset, tag: string, i = 0) => ds[tag]?.Value?.[i] as Dataset;
const deid = (options: DeidOptions, ds = srDataset(), tenant = 't1') => new DeidEngine(SECRET, options).deidentify(tenant, ds).dataset;

describe('Table E.1-1 as data', () => {
  test('transcribes the whole table: every action code and combination, the private-attribute row, repeating groups', () => {
    assert.ok(TABLE_E1_1.length >= 450, `${TABLE_E1_1.length} rows`);
    const actions = new Set(TABLE_E1_1.map((r) => r[1]));
    for (const a of ['D', 'Z', 'X', 'U', 'X/Z', 'X/D', 'Z/D', 'X/Z/D', 'X/Z/U*']) assert.ok(actions.has(a as never), a);
    assert.ok(TABLE_E1_1.some((r) => r[0] === 'GGGGEEEE' && r[3]?.priv === 'C'));
    assert.ok(TABLE_E1_1.some((r) => r[0] === '60XX3000'));
    assert.equal(new Set(TABLE_E1_1.map((r) => r[0])).size, TABLE_E1_1.length, 'no duplicate rows');
  });
});

describe('Basic Profile with the view default options (RLTI full dates + RPC)', () => {
  const out = deid(DEFAULT_VIEW_OPTIONS);

  test('patient identity becomes a tenant pseudonym; birth date, other IDs and accession are gone', () => {
    assert.match(String(v(out, '00100020')), /^ANON-[A-Z2-7]{12}$/);
    assert.equal((v(out, '00100010') as { Alphabetic: string }).Alphabetic, `ANON^${String(v(out, '00100020')).slice(5)}`);
    assert.deepEqual(out['00100030'].Value, []); // Z
    assert.equal(out['00101002'], undefined); // X
    assert.deepEqual(out['00080050'].Value, []); // Z
    assert.equal(v(out, '00080080'), 'ANONYMIZED'); // X/Z/D
    assert.deepEqual(out['00080090'].Value, []); // Z
    assert.equal(out['00081030'], undefined); // X without Clean Descriptors
  });

  test('patient characteristics and full dates are kept under their options', () => {
    assert.equal(v(out, '00100040'), 'F');
    assert.equal(v(out, '00101010'), '054Y');
    assert.equal(v(out, '00101030'), 61.5);
    assert.equal(v(out, '00080020'), '20240115');
    assert.equal(v(item(out, '0040A730', 3), '0040A121'), '20240110');
  });

  test('SR Content Sequence is walked: PNAME, UIDREF, TEXT, image references; observers cleaned', () => {
    const content = out['0040A730'].Value as Dataset[];
    assert.equal((v(content[0], '0040A123') as { Alphabetic: string }).Alphabetic, 'ANONYMIZED');
    assert.equal(v(content[0], '0040A040'), 'PNAME');
    assert.equal(v(content[1], '0040A160'), 'ANONYMIZED');
    assert.equal(v(item(content[1], '0040A043'), '00080104'), 'Finding'); // coded content is kept
    const p = new DeidEngine(SECRET, {}).pseudonymizer('t1');
    assert.equal(v(content[2], '0040A124'), p.uid('1.2.826.0.1.3680043.8.498.77'));
    assert.equal(v(item(content[4], '00081199'), '00081155'), p.uid(IMAGE_UID));
    assert.equal(v(item(content[4], '00081199'), '00081150'), '1.2.840.10008.5.1.4.1.1.2');
    const verifier = item(out, '0040A073');
    assert.equal((v(verifier, '0040A075') as { Alphabetic: string }).Alphabetic, 'ANONYMIZED');
    assert.equal(v(verifier, '0040A027'), 'ANONYMIZED');
    assert.equal(out['0040A078'], undefined); // Author Observer Sequence: X
  });

  test('instance UIDs map to 2.25 UIDs: same original, same UID per tenant; other tenants differ', () => {
    const again = deid(DEFAULT_VIEW_OPTIONS);
    const other = deid(DEFAULT_VIEW_OPTIONS, srDataset(), 't2');
    for (const tag of ['0020000D', '0020000E', '00080018', '00200052']) {
      assert.match(String(v(out, tag)), /^2\.25\.\d+$/);
      assert.equal(v(again, tag), v(out, tag));
      assert.notEqual(v(other, tag), v(out, tag));
    }
    assert.notEqual(v(other, '00100020'), v(out, '00100020'));
  });

  test('private attributes are removed; device identity replaced', () => {
    assert.equal(Object.keys(out).filter((t) => parseInt(t[3], 16) % 2 === 1).length, 0);
    assert.equal(v(out, '00181000'), 'ANONYMIZED');
  });

  test('Patient Identity Removed, method text and CID 7050 codes for the options used', () => {
    assert.equal(v(out, '00120062'), 'YES');
    const codes = (out['00120064'].Value as Dataset[]).map((i) => v(i, '00080100'));
    assert.deepEqual(codes.sort(), ['113100', '113106', '113108']);
    assert.equal(v(out, '00280303'), 'UNMODIFIED');
  });

  test('a dataset this server de-identified is left as it is (no double mapping)', () => {
    const twice = new DeidEngine(SECRET, DEFAULT_VIEW_OPTIONS).deidentify('t1', out);
    assert.equal(twice.dataset, out);
    assert.equal(twice.attributesChanged, 0);
  });
});

describe('other options', () => {
  test('Basic Profile alone: dates and patient characteristics go too', () => {
    const out = deid({});
    assert.deepEqual(out['00080020'].Value, []); // Study Date Z
    assert.equal(v(out, '00080023'), '19000101'); // Content Date Z/D: a dummy keeps Type 1 valid
    assert.equal(v(item(out, '0040A730', 3), '0040A121'), '19000101'); // SR DATE item, not listed: stricter
    assert.deepEqual(out['00100040'].Value, []);
    assert.equal(out['00101010'], undefined);
    assert.equal(v(out, '00280303'), 'REMOVED');
  });

  test('Modified Dates: every date of a patient moves by the same number of days', () => {
    const out = deid({ retainLongitudinalModifiedDates: true });
    const days = (a: string, b: string) => (Date.parse(`${a.slice(0, 4)}-${a.slice(4, 6)}-${a.slice(6)}`) - Date.parse(`${b.slice(0, 4)}-${b.slice(4, 6)}-${b.slice(6)}`)) / 864e5;
    const shift = days('20240115', String(v(out, '00080020')));
    assert.ok(shift >= 1 && shift <= 3650);
    assert.equal(days('20240110', String(v(item(out, '0040A730', 3), '0040A121'))), shift);
    assert.equal(v(out, '00280303'), 'MODIFIED');
  });

  test('Clean Descriptors / Clean Structured Content keep text but remove identifying values from it', () => {
    const out = deid(parseOptionList('clean-descriptors,clean-structured-content'));
    assert.equal(v(out, '00081030'), 'CT chest for ***');
    assert.equal(v(item(out, '0040A730', 1), '0040A160'), '*** *** has a nodule');
  });

  test('Retain Device Identity, Retain UIDs, Retain Institution Identity', () => {
    const out = deid(parseOptionList('retain-device-identity,retain-uids,retain-institution-identity'));
    assert.equal(v(out, '00181000'), 'SN-445566');
    assert.equal(v(out, '0020000D'), '1.2.826.0.1.3680043.8.498.10');
    assert.equal(v(out, '00080080'), 'Saint Example Hospital');
  });

  test('Retain Safe Private keeps safe-listed private attributes with their creator only', () => {
    const out = deid({ retainSafePrivate: true });
    assert.equal(v(out, '00190010'), 'GEMS_ACQU_01');
    assert.equal(v(out, '00191023'), 37.5);
    assert.equal(out['00191050'], undefined);
  });

  test('the safe list holds rows of Table E.3.10-1 only: scaling kept, vendor diffusion extras not in the table removed', () => {
    const ds = {
      ...srDataset(),
      '20050010': el('LO', 'PHILIPS MR IMAGING DD 001'), // creator case differs between scanner versions
      '2005100E': el('FL', 0.25), // Scale Slope (E.3.10-1)
      '70530010': el('LO', 'Philips PET Private Group'),
      '70531000': el('DS', 0.0042), // SUV Factor (E.3.10-1)
      '00290010': el('LO', 'SIEMENS MR HEADER'),
      '0029100C': el('IS', 1000), // B_value: kept by research recipes, not in E.3.10-1
      '00430010': el('LO', 'GEMS_PARM_01'),
      '00431039': el('IS', 1000), // Slop_int_6..9: not in E.3.10-1
    };
    const out = deid({ retainSafePrivate: true }, ds);
    assert.equal(v(out, '2005100E'), 0.25, 'Philips MR Scale Slope retained');
    assert.equal(v(out, '20050010'), 'PHILIPS MR IMAGING DD 001', 'its creator retained');
    assert.equal(v(out, '70531000'), 0.0042, 'Philips PET SUV Factor retained');
    for (const tag of ['00290010', '0029100C', '00430010', '00431039']) assert.equal(out[tag], undefined, `${tag} is not in Table E.3.10-1 and must be removed`);
    assert.equal(deid({}, ds)['2005100E'], undefined, 'without the option every private attribute goes');
  });

  test('unknown option names are refused; full and modified dates exclude each other', () => {
    assert.throws(() => parseOptionList('retain-everything'), /unknown de-identification option/);
    assert.throws(() => parseOptionList('retain-longitudinal-full-dates,retain-longitudinal-modified-dates'), /exclude/);
  });
});

describe('burned-in annotation', () => {
  const risk = (ds: Dataset) => new DeidEngine(SECRET, {}).deidentify('t', ds).burnedInAnnotationRisk;
  test('flags Burned In Annotation YES, ultrasound and Secondary Capture; nothing else', () => {
    assert.deepEqual(risk({ '00280301': el('CS', 'YES') }), ['burned-in-annotation-yes']);
    assert.deepEqual(risk({ '00080060': el('CS', 'US') }), ['ultrasound']);
    assert.deepEqual(risk({ '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.7.4') }), ['secondary-capture']);
    assert.deepEqual(risk({ '00080060': el('CS', 'CT'), '00280301': el('CS', 'NO') }), []);
  });
});
