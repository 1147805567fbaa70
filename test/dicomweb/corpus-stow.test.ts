import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { corpusManifest, CORPUS_DIR, dcmdumpUids } from '../helpers/corpus.js';
import { STOW_TYPE, fileParts } from '../helpers/multipart.js';
import { startTestApp } from '../helpers/test-app.js';

/**
 * Every real file in the corpus either stores or fails with the right
 * Failure Reason, checked against what dcmtk reads from the same file, and
 * none ever makes the server answer 5xx. Each file goes to a fresh store
 * because the corpus repeats SOP Instance UIDs across re-encodings.
 */
const NOT_PART10 = (e: { notes: string; transferSyntax: string }) =>
  /no 128-byte preamble|no File Meta/.test(e.notes) || e.transferSyntax.startsWith('none');

describe('STOW-RS of every corpus file', () => {
  for (const entry of corpusManifest()) {
    test(entry.path, async () => {
      const t = await startTestApp();
      try {
        const file = CORPUS_DIR + entry.path;
        const res = await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(fileParts([file]));
        assert.ok(res.status === 200 || res.status === 409, `status ${res.status}`);
        const dump = dcmdumpUids(file);
        if (res.status === 200) {
          assert.ok(!NOT_PART10(entry), 'a file that is not PS3.10 must not be stored');
          const ref = res.body['00081199'].Value[0];
          assert.equal(ref['00081155'].Value[0], dump.SOPInstanceUID, 'SOP Instance UID as dcmtk reads it');
          const found = await request(t.app).get(`/dicomweb/instances?SOPInstanceUID=${dump.SOPInstanceUID}`);
          assert.equal(found.body.length, 1);
          assert.equal(found.body[0]['0020000D'].Value[0], dump.StudyInstanceUID);
          return;
        }
        const failure = res.body['00081198'].Value[0];
        const reason = failure['00081197'].Value[0];
        const message: string = failure['00000902'].Value[0];
        if (reason === 0xa900) {
          const attr = /^(\w+) is (missing|not a valid UID)/.exec(message);
          assert.ok(attr, `A900 names the attribute: ${message}`);
          if (attr[2] === 'missing') assert.equal(dump[attr[1]], undefined, `dcmtk agrees ${attr[1]} is missing`);
        } else {
          assert.equal(reason, 0xc000, `unexpected reason ${reason.toString(16)}: ${message}`);
          const expectedUnreadable = NOT_PART10(entry) || ['broken', 'nometa'].includes(entry.folder) || KNOWN_UNREADABLE.has(entry.path);
          assert.ok(expectedUnreadable, `a well-formed file was refused: ${message}`);
        }
      } finally {
        await t.close();
      }
    });
  }
});

/**
 * Well-formed files our reader (dcmjs) cannot parse yet; refused cleanly with
 * C000 rather than stored half-read. private/UN_sequence.dcm holds a private
 * sequence encoded as UN with undefined length (PS3.5 §6.2.2 note), which
 * dcmjs 0.51 does not read.
 */
const KNOWN_UNREADABLE = new Set(['private/UN_sequence.dcm']);
