/**
 * The BlobStore contract, written once and run against every adapter
 * (fs-blob.test.ts, s3-blob.test.ts). Keys start with a per-run prefix.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { BlobStore } from '../../storage/blob-store.js';
import { AppError } from '../../storage/errors.js';
import { MiB, bytes, generated, readAll, sha256Of, streamSha256 } from './blob-fixtures.js';

export interface BlobStoreHarness {
  store: BlobStore;
  /** What interrupted writes to `key` left behind in the backend (temp files, open multipart uploads). */
  leftovers(key: string): Promise<string[]>;
  /** Closes the store and removes what the run wrote. */
  dispose(): Promise<void>;
}

const isNotFound = (err: unknown) => err instanceof AppError && err.kind === 'not-found';

export function describeBlobStoreContract(name: string, open: () => Promise<BlobStoreHarness>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let h: BlobStoreHarness;
    const store = () => h.store;
    const run = `run-${randomBytes(4).toString('hex')}`;
    before(async () => {
      h = await open();
    });
    after(async () => {
      await h?.dispose();
    });

    describe('a 20 MiB blob', () => {
      const key = `${run}/big/blob.dcm`;
      const size = 20 * MiB + 123;
      before(async () => {
        assert.deepEqual(await store().put(key, generated(1, size)), { size });
      });

      it('round-trips by streaming, byte for byte', async () => {
        assert.equal(await store().stat(key), size);
        assert.deepEqual(await streamSha256(await store().get(key)), { sha256: sha256Of(1, size), size });
      });

      it('serves byte ranges [start, end) like Buffer.subarray, across part boundaries', async () => {
        const cases: Array<[number, number | undefined]> = [
          [0, 10],
          [8 * MiB - 5, 8 * MiB + 5],
          [5 * MiB + 3, 9 * MiB],
          [size - 100, undefined],
          [size - 5, size + 100],
          [10, 10],
          [size, undefined],
        ];
        for (const [start, end] of cases) {
          const got = await readAll(await store().get(key, { start, end }));
          const want = bytes(1, start, Math.min(end ?? size, size));
          assert.equal(got.length, want.length, `length of [${start}, ${end})`);
          assert.ok(got.equals(want), `content of [${start}, ${end})`);
        }
      });
    });

    it('stat, get and delete of an absent key: undefined, not-found, no error', async () => {
      const key = `${run}/absent/none.dcm`;
      assert.equal(await store().stat(key), undefined);
      await assert.rejects(store().get(key), isNotFound);
      await assert.rejects(store().get(key, { start: 0, end: 0 }), isNotFound);
      await store().delete(key);
    });

    it('deletes a blob, and a second put replaces the first', async () => {
      const key = `${run}/replace/x.dcm`;
      await store().put(key, generated(2, 1000));
      await store().put(key, generated(3, 500));
      assert.ok((await readAll(await store().get(key))).equals(bytes(3, 0, 500)));
      await store().delete(key);
      assert.equal(await store().stat(key), undefined);
      await assert.rejects(store().get(key), isNotFound);
    });

    it('lists keys under a prefix, all of them and only them', async () => {
      const p = `${run}/list`;
      const keys = [`${p}/a/x/1.dcm`, `${p}/a/x/2.dcm`, `${p}/a/y/3.dcm`, `${p}/a/y/4.dcm`, `${p}/a/5.dcm`, `${p}/ab/6.dcm`];
      await Promise.all(keys.map((k, i) => store().put(k, generated(i, 10))));
      const list = async (prefix: string) => {
        const out: string[] = [];
        for await (const k of store().list(prefix)) out.push(k);
        return out.sort();
      };
      assert.deepEqual(await list(`${p}/a/`), keys.slice(0, 5).sort());
      assert.deepEqual(await list(`${p}/a/x/`), keys.slice(0, 2));
      assert.deepEqual(await list(`${p}/none/`), []);
    });

    for (const [what, failAfter] of [['small', 1 * MiB], ['multipart-sized', 12 * MiB]] as const) {
      it(`a failing source stream (${what}) leaves nothing under the key, and an older blob intact`, async () => {
        const fresh = `${run}/fail/${what}-fresh.dcm`;
        await assert.rejects(store().put(fresh, generated(4, 20 * MiB, failAfter)), /source failed on purpose/);
        assert.equal(await store().stat(fresh), undefined);
        await assert.rejects(store().get(fresh), isNotFound);

        const kept = `${run}/fail/${what}-kept.dcm`;
        await store().put(kept, generated(5, 1000));
        await assert.rejects(store().put(kept, generated(6, 20 * MiB, failAfter)), /source failed on purpose/);
        assert.ok((await readAll(await store().get(kept))).equals(bytes(5, 0, 1000)));
        assert.deepEqual([...(await h.leftovers(fresh)), ...(await h.leftovers(kept))], []);
      });
    }

    it('takes concurrent puts of many sizes (empty, part-sized, multipart)', async () => {
      const sizes = [0, 1, 100, 3 * MiB, 8 * MiB, 8 * MiB + 1, 17 * MiB];
      const key = (i: number) => `${run}/concurrent/${i}.dcm`;
      const results = await Promise.all(sizes.map((size, i) => store().put(key(i), generated(10 + i, size))));
      assert.deepEqual(results, sizes.map((size) => ({ size })));
      for (const [i, size] of sizes.entries()) {
        assert.equal(await store().stat(key(i)), size);
        assert.deepEqual(await streamSha256(await store().get(key(i))), { sha256: sha256Of(10 + i, size), size });
      }
      assert.deepEqual((await Promise.all(sizes.map((_, i) => h.leftovers(key(i))))).flat(), []);
    });

    it('answers ping', async () => {
      await store().ping();
    });
  });
}
