import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DEFAULT_DATASET_LIMITS, DatasetLimitError } from '../../../dicom/dataset-limits.js';
import { HeaderCollector } from '../../../dicom/header-collector.js';
import { HeaderParsePool } from '../../../dicom/header-parse-pool.js';
import { NotDicomError, parseHeader } from '../../../dicom/parse-header.js';
import { CORPUS_DIR } from '../../helpers/corpus.js';

const pool = new HeaderParsePool(1);
after(() => pool.close());

function corpusFiles(dir = CORPUS_DIR): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? corpusFiles(p) : name.endsWith('.dcm') ? [p] : [];
  });
}

/** What the collector ends with, or the error it failed with. */
async function collect(bytes: Buffer, withPool: boolean, chunk = 16 * 1024): Promise<unknown> {
  const parts: Buffer[] = [];
  for (let o = 0; o < bytes.length; o += chunk) parts.push(bytes.subarray(o, o + chunk));
  const collector = new HeaderCollector(64 * 1024 * 1024, DEFAULT_DATASET_LIMITS, withPool ? pool : undefined);
  try {
    await pipeline(Readable.from(parts), collector, async function* (source) {
      for await (const _ of source) { /* drain */ }
    });
    return collector.result();
  } catch (err) {
    return { error: (err as Error).constructor.name, message: (err as Error).message };
  }
}

test('headers parsed on a worker equal those parsed inline, for every corpus file', async () => {
  const files = corpusFiles();
  assert.ok(files.length > 20, 'the corpus is there');
  for (const file of files) {
    const bytes = readFileSync(file);
    assert.deepEqual(await collect(bytes, true), await collect(bytes, false), `${file}: worker and inline results differ`);
  }
});

test('errors keep their class and message across the thread', async () => {
  await assert.rejects(pool.parse(Buffer.alloc(300, 1), true, DEFAULT_DATASET_LIMITS), NotDicomError, 'not DICOM is NotDicomError');
  const ct = readFileSync(corpusFiles().find((f) => f.includes('/ct/'))!);
  const tiny = { ...DEFAULT_DATASET_LIMITS, elements: { name: 'DICOM_MAX_ELEMENTS', max: 3 } };
  let inline: unknown;
  try {
    parseHeader(ct, true, tiny);
  } catch (err) {
    inline = err;
  }
  assert.ok(inline instanceof DatasetLimitError, 'the inline parse hits the limit');
  await assert.rejects(pool.parse(Buffer.from(ct), true, tiny), (err: unknown) => err instanceof DatasetLimitError
    && err.message === (inline as Error).message && err.limit.name === 'DICOM_MAX_ELEMENTS', 'same limit error from the worker');
});
