/**
 * Determinism and idempotence (spec 4.5, 10.1, 10.2, 11.4): same input -> identical
 * output; more instances -> the same ids; re-mapping an SR never duplicates anything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapStudy } from '../../../mappings/index.js';
import { SPEC_CONTEXT, corpusFiles, readCorpus } from './helpers.js';
import { basicTextInstance, ctInstance, tid1500Instance } from './spec-examples.js';

const CTX = { ...SPEC_CONTEXT, defaultPatientIdSystem: 'urn:example:corpus-mrn' };
const urls = (b: { entry: Array<{ fullUrl: string }> } | undefined): string[] => (b?.entry ?? []).map((e) => e.fullUrl);

describe('determinism', () => {
  it('same input twice -> deepEqual and byte-identical JSON', () => {
    const input = [ctInstance(), tid1500Instance(), basicTextInstance()];
    const a = mapStudy(input, SPEC_CONTEXT);
    const b = mapStudy(input, SPEC_CONTEXT);
    assert.deepEqual(a, b);
    assert.equal(JSON.stringify(a), JSON.stringify(b));
  });

  it('input order does not matter (series and instances are sorted by number, then UID)', () => {
    const a = mapStudy([ctInstance(), tid1500Instance(), basicTextInstance()], SPEC_CONTEXT);
    const b = mapStudy([basicTextInstance(), tid1500Instance(), ctInstance()], SPEC_CONTEXT);
    assert.equal(JSON.stringify(a.bundle), JSON.stringify(b.bundle));
  });

  it('`now` only affects the study age of procedure matches', () => {
    const a = mapStudy([ctInstance()], SPEC_CONTEXT);
    const b = mapStudy([ctInstance()], { ...SPEC_CONTEXT, now: '2030-01-01T00:00:00Z' });
    assert.equal(JSON.stringify(a.bundle), JSON.stringify(b.bundle));
    assert.notDeepEqual(a.procedureMatches, b.procedureMatches);
    assert.equal(a.procedureMatches[0].studyAgeDays, 8);
  });

  it('real multi-file series: same output for the same files', () => {
    const files = corpusFiles('mr/pcir-98892003-MR700');
    const a = mapStudy(files.map((f) => readCorpus(f)!), CTX);
    const b = mapStudy(files.map((f) => readCorpus(f)!).reverse(), CTX);
    assert.equal(JSON.stringify(a.bundle), JSON.stringify(b.bundle));
  });
});

describe('idempotence: updated, not duplicated', () => {
  it('adding instances keeps every existing fullUrl and request key', () => {
    const first = mapStudy([ctInstance()], SPEC_CONTEXT);
    const second = mapStudy([ctInstance(), ctInstance('2.25.10001.1.2', 2), tid1500Instance()], SPEC_CONTEXT);
    const third = mapStudy([ctInstance(), ctInstance('2.25.10001.1.2', 2), tid1500Instance(), basicTextInstance()], SPEC_CONTEXT);
    for (const u of urls(first.bundle)) assert.ok(urls(second.bundle).includes(u));
    for (const u of urls(second.bundle)) assert.ok(urls(third.bundle).includes(u));
    assert.equal(first.bundle!.entry[2].request.url, third.bundle!.entry[2].request.url);
    assert.equal(third.imagingStudy!.numberOfInstances, 4);
    assert.equal(third.imagingStudy!.numberOfSeries, 3);
  });

  it('the same SR stored twice (duplicate SOP Instance UID) yields each resource once', () => {
    const out = mapStudy([ctInstance(), tid1500Instance(), tid1500Instance()], SPEC_CONTEXT);
    assert.equal(new Set(urls(out.bundle)).size, out.bundle!.entry.length);
    assert.equal(out.observations.length, 4);
    assert.ok(out.warnings.some((w) => w.code === 'DUPLICATE_SOP'));
  });

  it('re-mapping an SR alone or with its study gives the same SR resource ids', () => {
    const alone = mapStudy([tid1500Instance()], SPEC_CONTEXT);
    const together = mapStudy([ctInstance(), tid1500Instance()], SPEC_CONTEXT);
    const srUrls = (o: typeof alone) => urls(o.bundle).slice(3);
    assert.deepEqual(srUrls(alone), srUrls(together));
  });
});
