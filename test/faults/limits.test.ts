import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { BOUNDARY, STOW_TYPE, multipartBody } from '../helpers/multipart.js';
import { syntheticInstance } from '../fixtures/synthetic-dicom.js';
import {
  deflateBomb, hugeElement, longHeader, manyElements, nestedSequences, withElementsBeforePixelData,
} from './support/hostile-dicom.js';

/**
 * Every limit, set low, is hit by one request: a per-instance limit fails
 * that instance with A700 and the limit's name while the others are stored;
 * a whole-request limit is a 413 that names it and lists what was stored.
 */
const LIMITS = {
  DICOM_MAX_ELEMENT_BYTES: String(1024 * 1024),
  DICOM_MAX_SEQUENCE_DEPTH: '8',
  DICOM_MAX_ELEMENTS: '2000',
  DICOM_MAX_NESTED_BYTES: String(2 * 1024 * 1024),
  DICOM_MAX_INFLATED_BYTES: String(4 * 1024 * 1024),
  MAX_HEADER_BYTES: String(512 * 1024),
  STOW_MAX_REQUEST_BYTES: String(3 * 1024 * 1024),
  STOW_MAX_PARTS: '3',
  QIDO_MAX_LIMIT: '5',
  RATE_LIMIT_PER_SECOND: '0',
};

const failed = (body: any) => body['00081198']?.Value ?? [];
const referenced = (body: any) => body['00081199']?.Value ?? [];
const comment = (item: any) => String(item['00000902']?.Value?.[0]);

describe('limits', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp('embedded+fs', LIMITS)));
  after(async () => t.close());
  const stow = (body: Buffer) => request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).send(body);

  /** One hostile part between two good ones: 202, one A700 naming the limit, two stored. */
  async function refusedAlone(hostile: Buffer, limit: string): Promise<void> {
    const res = await stow(multipartBody([syntheticInstance(), hostile, syntheticInstance()]));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(referenced(res.body).length, 2);
    const [f] = failed(res.body);
    assert.equal(f['00081197'].Value[0], 0xa700, comment(f));
    assert.ok(comment(f).startsWith(`${limit}=`), `Error Comment names ${limit}: ${comment(f)}`);
  }

  test('an element longer than DICOM_MAX_ELEMENT_BYTES fails its instance at once (it is never buffered)', async () => {
    await refusedAlone(withElementsBeforePixelData(hugeElement(0xfffffff0)), 'DICOM_MAX_ELEMENT_BYTES');
  });

  test('sequences nested deeper than DICOM_MAX_SEQUENCE_DEPTH', async () => {
    await refusedAlone(withElementsBeforePixelData(nestedSequences(9)), 'DICOM_MAX_SEQUENCE_DEPTH');
    const ok = await stow(multipartBody([withElementsBeforePixelData(nestedSequences(8))]));
    assert.equal(ok.status, 200, 'depth 8 is within the limit');
  });

  test('more data elements than DICOM_MAX_ELEMENTS', async () => {
    await refusedAlone(withElementsBeforePixelData(manyElements(2500)), 'DICOM_MAX_ELEMENTS');
  });

  test('values of a numeric array count as elements (dcmjs makes each a number)', async () => {
    const numbers = [longHeader(0x0009, 0x1012, 'UV', 64 * 1024), Buffer.alloc(64 * 1024)]; // 8192 64-bit values
    await refusedAlone(withElementsBeforePixelData(numbers), 'DICOM_MAX_ELEMENTS');
  });

  test('a File Meta Information element running past its group is refused as unreadable (C000), not read', async () => {
    const bad = Buffer.from(syntheticInstance());
    const ts = bad.indexOf(Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49])); // (0002,0010) UI
    bad.write('UN', ts + 4, 'latin1'); // now a long VR whose "length" is the UID's first bytes
    const res = await stow(multipartBody([bad, syntheticInstance()]));
    assert.equal(res.status, 202);
    assert.equal(failed(res.body)[0]['00081197'].Value[0], 0xc000);
  });

  test('nested item content above DICOM_MAX_NESTED_BYTES (depth × size)', async () => {
    const value = [longHeader(0x0009, 0x1010, 'OB', 400 * 1024), Buffer.alloc(400 * 1024)];
    await refusedAlone(withElementsBeforePixelData(nestedSequences(6, value)), 'DICOM_MAX_NESTED_BYTES');
  });

  test('a deflated dataset that inflates beyond DICOM_MAX_INFLATED_BYTES', async () => {
    const bomb = deflateBomb(64 * 1024 * 1024);
    assert.ok(bomb.length < 256 * 1024, `the bomb is small (${bomb.length} bytes)`);
    await refusedAlone(bomb, 'DICOM_MAX_INFLATED_BYTES');
  });

  test('no Pixel Data within MAX_HEADER_BYTES', async () => {
    const big = [longHeader(0x0009, 0x1010, 'OB', 600 * 1024), Buffer.alloc(600 * 1024)];
    await refusedAlone(withElementsBeforePixelData(big), 'MAX_HEADER_BYTES');
  });

  test('more parts than STOW_MAX_PARTS: 413 naming it, with the parts stored before', async () => {
    const res = await stow(multipartBody([1, 2, 3, 4, 5].map(() => syntheticInstance())));
    assert.equal(res.status, 413);
    assert.match(String(res.body['00000902'].Value[0]), /^STOW_MAX_PARTS=3 exceeded/);
    assert.equal(referenced(res.body).length, 3);
  });

  test('a body over STOW_MAX_REQUEST_BYTES: 413 from Content-Length before reading', async () => {
    const big = multipartBody([syntheticInstance({ rows: 1024, columns: 1024 }), syntheticInstance({ rows: 1024, columns: 1024 })]);
    const res = await stow(big);
    assert.equal(res.status, 413);
    assert.match(String(res.body['00000902'].Value[0]), /^STOW_MAX_REQUEST_BYTES=3145728 exceeded: Content-Length/);
    assert.equal(referenced(res.body).length, 0);
  });

  test('a chunked body over STOW_MAX_REQUEST_BYTES: 413 when the limit is crossed, earlier parts listed', async () => {
    const first = syntheticInstance({ rows: 512, columns: 512 }); // ≈ 0.5 MiB
    const second = syntheticInstance({ rows: 1024, columns: 1024, randomPixels: true }); // ≈ 2 MiB
    const third = syntheticInstance({ rows: 1024, columns: 1024, randomPixels: true });
    const body = multipartBody([first, second, third]);
    const req = request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE).set('Transfer-Encoding', 'chunked');
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    const res = await req;
    assert.equal(res.status, 413);
    assert.match(String(res.body['00000902'].Value[0]), /^STOW_MAX_REQUEST_BYTES=3145728 exceeded/);
    assert.ok(referenced(res.body).length >= 1, 'the first instance was stored and is listed');
    const cut = failed(res.body).find((f: any) => comment(f).startsWith('STOW_MAX_REQUEST_BYTES'));
    if (cut) assert.equal(cut['00081197'].Value[0], 0xa700);
  });

  test('QIDO: limit above QIDO_MAX_LIMIT is capped with a Warning; absurd numbers are a 400', async () => {
    const study = syntheticInstance();
    await stow(multipartBody([1, 2, 3].map(() => syntheticInstance())));
    await stow(multipartBody([study, syntheticInstance(), syntheticInstance()]));
    const capped = await request(t.app).get('/dicomweb/studies?limit=100');
    assert.equal(capped.status, 200);
    assert.equal(capped.body.length, 5);
    assert.match(String(capped.headers.warning), /^299 /);
    for (const q of ['limit=99999999999999999999', 'offset=1e9', 'offset=-1', 'limit=0']) {
      const res = await request(t.app).get(`/dicomweb/studies?${q}`);
      assert.equal(res.status, 400, q);
    }
  });
});

describe('rate limit', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp('embedded+fs', { RATE_LIMIT_PER_SECOND: '2', RATE_LIMIT_BURST: '3' })));
  after(async () => t.close());

  test('over RATE_LIMIT_PER_SECOND a tenant gets 429 with Retry-After, naming the limit; probes are exempt', async () => {
    const statuses: number[] = [];
    let refused: request.Response | undefined;
    for (let i = 0; i < 6; i++) {
      const res = await request(t.app).get('/dicomweb/studies');
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    assert.deepEqual(statuses.slice(0, 3), [200, 200, 200], 'the burst passes');
    assert.ok(refused, `some request was refused: ${statuses}`);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal(refused.type, 'application/dicom+json');
    assert.match(String(refused.body['00000902'].Value[0]), /^RATE_LIMIT_PER_SECOND=2 exceeded/);
    for (let i = 0; i < 5; i++) assert.equal((await request(t.app).get('/healthz')).status, 200);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await request(t.app).get('/dicomweb/studies')).status, 200, 'tokens come back');
  });

  test('a refused STOW is a 429 too, and the body is never read', async () => {
    let res: request.Response | undefined;
    for (let i = 0; i < 10 && res?.status !== 429; i++) {
      res = await request(t.app).post('/dicomweb/studies').set('Content-Type', `multipart/related; type="application/dicom"; boundary=${BOUNDARY}`)
        .send(multipartBody([syntheticInstance()]));
    }
    assert.equal(res!.status, 429);
  });
});

describe('token buckets', () => {
  test('a burst, then the rate; the wait until the next token; tenants apart', async () => {
    const { TokenBuckets } = await import('../../server/limits/token-bucket.js');
    const b = new TokenBuckets(2, 3);
    const t0 = 1_000_000;
    assert.deepEqual([1, 2, 3].map(() => b.take('a', t0).ok), [true, true, true]);
    const refused = b.take('a', t0);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && Math.round(refused.retryAfterMs), 500);
    assert.equal(b.take('b', t0).ok, true, 'another tenant has its own bucket');
    assert.equal(b.take('a', t0 + 500).ok, true, 'one token after 1/rate s');
    assert.equal(b.take('a', t0 + 500).ok, false);
    assert.deepEqual([1, 2, 3, 4].map(() => b.take('a', t0 + 60_000).ok), [true, true, true, false], 'never more than the burst');
  });
});

describe('decode limit', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp('embedded+fs', { DECODE_MAX_FRAME_SAMPLES: '1000', RATE_LIMIT_PER_SECOND: '0' })));
  after(async () => t.close());

  test('a frame larger than DECODE_MAX_FRAME_SAMPLES is never decoded: 406 naming the limit; as-stored frames still served', async () => {
    const study = '1.2.826.0.1.3680043.8.498.77001';
    const series = '1.2.826.0.1.3680043.8.498.77002';
    const sop = '1.2.826.0.1.3680043.8.498.77003';
    const stored = await request(t.app).post('/dicomweb/studies').set('Content-Type', STOW_TYPE)
      .send(multipartBody([syntheticInstance({ studyUid: study, seriesUid: series, sopUid: sop })]));
    assert.equal(stored.status, 200, JSON.stringify(stored.body));
    const base = `/dicomweb/studies/${study}/series/${series}/instances/${sop}`;
    const rendered = await request(t.app).get(`${base}/rendered`).set('Accept', 'image/png');
    assert.equal(rendered.status, 406, `rendered: ${rendered.status}`);
    const message = String(rendered.body?.['00000902']?.Value?.[0] ?? rendered.text);
    assert.match(message, /DECODE_MAX_FRAME_SAMPLES=1000 exceeded/, `the refusal names the limit: ${message}`);
    const frame = await request(t.app).get(`${base}/frames/1`).set('Accept', 'multipart/related; type="application/octet-stream"; transfer-syntax=*');
    assert.equal(frame.status, 200, `a frame as stored needs no decode: ${frame.status}`);
  });
});
