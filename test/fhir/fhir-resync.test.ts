/**
 * Re-mapping stored studies after a mapping change: a setting that changes
 * the mapping (ACCESSION_NUMBER_SYSTEM adds an identifier) takes effect on
 * studies stored before it only through a resync - POST /admin/fhir-resync
 * on a running server (one study or all of the tenant's), or the offline
 * command server/fhir-resync.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import request from 'supertest';
import { loadConfig } from '../../server/config.js';
import { buildContainer } from '../../server/container.js';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { newUid } from '../fixtures/synthetic-dicom.js';
import type { TestApp } from '../helpers/test-app.js';
import { ctImage } from './fixtures.js';
import { get, store } from './helpers.js';

const ACC = 'urn:example:accession';
const hasAccession = async (t: TestApp, uid: string): Promise<boolean> => {
  const study = (await get(t.app, `/fhir/ImagingStudy?identifier=urn:dicom:uid|urn:oid:${uid}`)).entry[0].resource;
  return study.identifier.some((i: any) => i.system === ACC && i.value === `ACC-${uid.slice(-6)}`);
};

describe('FHIR resync after a mapping change', () => {
  it('POST /admin/fhir-resync re-maps one study or all, and the resync command does it offline', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fhir-resync-'));
    const open = async (env: Record<string, string> = {}): Promise<TestApp> => {
      const container = await buildContainer(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', FHIR_SYNC_DELAY_MS: '0', ...env }), createLogger('silent'));
      return { app: createApp(container), container, close: () => container.close() };
    };
    const [a, b, c] = [newUid(), newUid(), newUid()];
    try {
      let t = await open();
      for (const uid of [a, b, c]) await store(t, [ctImage(uid, { AccessionNumber: `ACC-${uid.slice(-6)}` })]);
      assert.equal(await hasAccession(t, a), false, 'no accession identifier without ACCESSION_NUMBER_SYSTEM');
      await t.close();

      t = await open({ ACCESSION_NUMBER_SYSTEM: ACC });
      assert.equal(await hasAccession(t, a), false, 'a new setting alone changes no stored study');
      const one = await request(t.app).post(`/admin/fhir-resync?study=${a}`);
      assert.deepEqual([one.status, one.body], [202, { studies: 1 }], 'one study scheduled');
      await t.container.fhir.sync.idle();
      assert.deepEqual([await hasAccession(t, a), await hasAccession(t, b)], [true, false], 'only study a re-mapped');
      const before = (await get(t.app, `/fhir/ImagingStudy?identifier=urn:dicom:uid|urn:oid:${a}`)).entry[0].resource.meta.versionId;
      const all = await request(t.app).post('/admin/fhir-resync');
      assert.deepEqual([all.status, all.body], [202, { studies: 3 }], 'every study of the tenant scheduled');
      await t.container.fhir.sync.idle();
      assert.deepEqual([await hasAccession(t, b), await hasAccession(t, c)], [true, true], 'all re-mapped');
      const after = (await get(t.app, `/fhir/ImagingStudy?identifier=urn:dicom:uid|urn:oid:${a}`)).entry[0].resource.meta.versionId;
      assert.equal(after, before, 'an unchanged study keeps its version');
      assert.equal((await request(t.app).post('/admin/fhir-resync?study=not-a-uid')).status, 400, 'bad study UID');
      assert.equal((await request(t.app).post(`/admin/fhir-resync?study=${newUid()}`)).body.studies, 0, 'unknown study: nothing to do');
      await t.close();

      // The offline command, with the setting removed again: the identifiers go away.
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/fhir-resync.ts'], {
        cwd: new URL('../../', import.meta.url).pathname,
        env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', MONGODB_URL: '', S3_BUCKET: '', FHIR_UPSTREAM_URL: '' },
      });
      const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
      assert.deepEqual([out.tenants, out.studies], [['default'], 3], `command output ${stdout}`);
      t = await open();
      for (const uid of [a, b, c]) assert.equal(await hasAccession(t, uid), false, `${uid} re-mapped by the command`);
      await t.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
