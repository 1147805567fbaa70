import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_DATASET_LIMITS, DatasetLimitError } from '../../dicom/dataset-limits.js';
import { NotDicomError, parseHeader } from '../../dicom/parse-header.js';
import { corpusManifest, CORPUS_DIR } from '../helpers/corpus.js';
import { syntheticInstance } from '../fixtures/synthetic-dicom.js';
import { longHeader, nestedSequences, withElementsBeforePixelData } from './support/hostile-dicom.js';

/**
 * The guards in front of dcmjs (dicom/element-scan.ts, defined-lengths.ts):
 * no real file is refused by the default limits, and the inputs that made
 * dcmjs spin or exhaust memory are now cheap to refuse or read.
 */
test('the default limits refuse no file of the corpus', () => {
  for (const e of corpusManifest()) {
    try {
      parseHeader(readFileSync(CORPUS_DIR + e.path), true);
    } catch (err) {
      assert.ok(!(err instanceof DatasetLimitError), `${e.path}: ${(err as Error).message}`);
    }
  }
});

test('items of undefined length nested 30 deep around 4 MiB read in linear time, as if their lengths were given', () => {
  const value = [longHeader(0x0009, 0x1010, 'OB', 4 * 1024 * 1024), Buffer.alloc(4 * 1024 * 1024, 7)];
  const file = withElementsBeforePixelData(nestedSequences(30, value));
  const started = performance.now();
  const h = parseHeader(file, true, { ...DEFAULT_DATASET_LIMITS, nestedBytes: { name: 'N', max: 1024 ** 3 } })!;
  const ms = performance.now() - started;
  assert.ok(ms < 3000, `took ${Math.round(ms)} ms (dcmjs alone: about 10 s)`);
  let item: any = h.dataset;
  for (let d = 0; d < 30; d++) item = item['0040A730'].Value[0];
  assert.equal(item['00091010'].Value[0].byteLength, 4 * 1024 * 1024);
  assert.ok(h.reachedPixelData && h.pixelDataValueOffset! > 4 * 1024 * 1024, 'Pixel Data offset is in the original file');
});

test('a File Meta element that runs past the meta is refused before dcmjs reads it (it looped until out of memory)', () => {
  const bad = Buffer.from(syntheticInstance());
  const ts = bad.indexOf(Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49]));
  bad.write('UN', ts + 4, 'latin1');
  const started = performance.now();
  assert.throws(() => parseHeader(bad, true), NotDicomError);
  assert.throws(() => parseHeader(bad.subarray(0, 1000), false), NotDicomError);
  assert.ok(performance.now() - started < 500);
});

test('numeric values count against DICOM_MAX_ELEMENTS, nesting against DICOM_MAX_SEQUENCE_DEPTH, before dcmjs runs', () => {
  const us = withElementsBeforePixelData([longHeader(0x0009, 0x1012, 'UV', 8 * 1024 * 1024), Buffer.alloc(8 * 1024 * 1024)]);
  assert.throws(() => parseHeader(us, true), (e: unknown) => e instanceof DatasetLimitError && e.limit.name === 'DICOM_MAX_ELEMENTS');
  const deep = withElementsBeforePixelData(nestedSequences(3000));
  const started = performance.now();
  assert.throws(() => parseHeader(deep, true), (e: unknown) => e instanceof DatasetLimitError && e.limit.name === 'DICOM_MAX_SEQUENCE_DEPTH');
  assert.ok(performance.now() - started < 500, 'refused at once (dcmjs alone: 20 s, then a stack overflow)');
});
