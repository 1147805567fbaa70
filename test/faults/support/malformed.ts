import type { Rng } from './rng.js';

/**
 * Malformed HTTP for the fuzz test: multipart bodies, Content-Type and other
 * headers, QIDO query strings and paths, and raw bytes that are not HTTP.
 */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const B = 'fuzz-boundary-42';
const DICOM_TYPE = `multipart/related; type="application/dicom"; boundary=${B}`;

/** A multipart/related body with something wrong in its framing, around real part bodies. */
export function malformedMultipart(parts: Buffer[], r: Rng): { name: string; req: FuzzRequest } {
  const part = (body: Buffer, headers = 'Content-Type: application/dicom') => Buffer.concat([Buffer.from(`--${B}\r\n${headers}\r\n\r\n`), body, Buffer.from('\r\n')]);
  const close = Buffer.from(`--${B}--\r\n`);
  const good = Buffer.concat([...parts.map((p) => part(p)), close]);
  const cases: Record<string, () => Buffer> = {
    'no-close': () => Buffer.concat(parts.map((p) => part(p))),
    truncated: () => good.subarray(0, r.int(0, good.length - 1)),
    'wrong-boundary': () => Buffer.from(good.toString('latin1').replaceAll(B, 'other-boundary'), 'latin1'),
    'no-header-crlf': () => Buffer.concat([Buffer.from(`--${B}\r\nContent-Type: application/dicom\r\n`), parts[0], close]),
    'huge-part-headers': () => Buffer.concat([Buffer.from(`--${B}\r\nX: ${'h'.repeat(r.pick([17_000, 100_000]))}\r\n\r\n`), parts[0], Buffer.from(`\r\n`), close]),
    'header-garbage': () => Buffer.concat([part(parts[0], r.pick(['no colon here', ':', 'Content-Type:', 'Content-Type: application/json', 'Content-Type: \u00ff\u00fe', 'Content-Type: multipart/related; boundary=x'])), close]),
    'garbage-after-boundary': () => Buffer.concat([Buffer.from(`--${B} junk\r\n\r\n`), parts[0], close]),
    'empty-parts': () => Buffer.from(`--${B}\r\n\r\n\r\n--${B}\r\n\r\n\r\n--${B}--\r\n`),
    'only-close': () => close,
    preamble: () => Buffer.concat([r.bytes(r.int(0, 5000)), Buffer.from('\r\n'), good, r.bytes(r.int(0, 5000))]),
    'boundary-in-body': () => Buffer.concat([part(Buffer.concat([parts[0].subarray(0, 200), Buffer.from(`\r\n--${B}`), parts[0].subarray(200)])), close]),
    'nested-multipart': () => Buffer.concat([part(good, `Content-Type: multipart/related; boundary=${B}`), close]),
    'random-bytes': () => r.bytes(r.int(0, 20_000)),
    'many-tiny-parts': () => Buffer.concat([...Array(r.int(10, 400)).fill(part(Buffer.from('x'))), close]),
    'lf-only': () => Buffer.from(good.toString('latin1').replaceAll('\r\n', '\n'), 'latin1'),
  };
  const name = r.pick(Object.keys(cases));
  return { name: `multipart:${name}`, req: { method: 'POST', path: '/dicomweb/studies', headers: { 'Content-Type': DICOM_TYPE }, body: cases[name]() } };
}

/** A STOW whose headers are wrong, with a valid body. */
export function malformedHeaders(instance: Buffer, r: Rng): { name: string; req: FuzzRequest } {
  const body = Buffer.concat([Buffer.from(`--${B}\r\nContent-Type: application/dicom\r\n\r\n`), instance, Buffer.from(`\r\n--${B}--\r\n`)]);
  const cases: Record<string, () => Record<string, string>> = {
    'content-type': () => ({ 'Content-Type': r.pick([
      'multipart/related', 'multipart/related; boundary=', `multipart/related; boundary="${B}`, `multipart/related; type=application/dicom; boundary=${B}; boundary=x`,
      `multipart/form-data; boundary=${B}`, 'application/dicom', `multipart/related; type="application/dicom+xml"; boundary=${B}`,
      `multipart/related; type="application/dicom"; boundary=${'b'.repeat(5000)}`, 'text/plain', ';;;;', `MULTIPART/RELATED; TYPE="APPLICATION/DICOM"; BOUNDARY=${B}`,
      `multipart/related; type="application/dicom"; boundary=${B}; charset=\u00e9`,
    ]) }),
    accept: () => ({ 'Content-Type': DICOM_TYPE, Accept: r.pick(['application/dicom+xml', 'text/html', '*/*;q=abc', 'application/dicom+json;q=0', ',,,', 'x'.repeat(8000)]) }),
    'content-length-short': () => ({ 'Content-Type': DICOM_TYPE, 'Content-Length': String(Math.max(0, body.length - r.int(1, 1000))) }),
    expect: () => ({ 'Content-Type': DICOM_TYPE, Expect: r.pick(['100-continue', 'something-else']) }),
    'odd-values': () => ({ 'Content-Type': DICOM_TYPE, 'X-Whatever': r.bytes(40).toString('latin1').replace(/[^\t\x20-\x7e\x80-\xff]/g, 'x'), Authorization: 'Bearer \u00ff' }),
  };
  const name = r.pick(Object.keys(cases));
  return { name: `headers:${name}`, req: { method: 'POST', path: '/dicomweb/studies', headers: cases[name](), body } };
}

const KEYS = [
  'PatientName', 'PatientID', 'StudyDate', 'StudyTime', 'AccessionNumber', 'ModalitiesInStudy', 'Modality', 'StudyInstanceUID', 'SeriesInstanceUID',
  'SOPInstanceUID', '00100010', '0020000D', '00080020', 'limit', 'offset', 'includefield', 'fuzzymatching', 'hascontrast', 'BodyPartExamined',
  'ReferencedStudySequence.ReferencedSOPInstanceUID', 'NotAKeyword', '0000', 'FFFFFFFF', 'Manufacturer', 'SeriesNumber', 'InstanceNumber', '', 'x'.repeat(300),
];
const VALUES = [
  '', '*', '?', '**', 'DOE*', '*^*', 'Doe^John', '20240101', '20240101-', '-20240101', '2024-01-01', '20241301-20240101', '1000-9999', 'a-b-c',
  '101500', '10:15', '-', '\\', '\\\\\\', '1.2.3\\4.5.6', '1.2.3,4.5.6', 'all', 'true', 'false', '0', '-1', '1e9', '99999999999999999999', 'NaN',
  '%', '%zz', '%E0%A4%A', '%00', 'Müller', '中文', '😀'.repeat(50), '*'.repeat(2000), '?'.repeat(500), 'x'.repeat(6000), '[', '(a|b)*c', '.*', '$where',
];
const PATHS = ['/dicomweb/studies', '/dicomweb/series', '/dicomweb/instances'];

/** A QIDO request with a random query string, or a path with junk in it. */
export function fuzzQuery(r: Rng, knownStudy: string): { name: string; req: FuzzRequest } {
  if (r.chance(0.2)) {
    const junk = r.pick(['%', '%ZZ', '..', '..%2F..%2Fetc', '1.2.3', knownStudy, 'x'.repeat(3000), '%00', '\u00e9', '*', '1..2', '01.2']);
    const path = r.pick([`/dicomweb/studies/${junk}/series`, `/dicomweb/studies/${junk}/instances`, `/dicomweb/studies/${knownStudy}/series/${junk}/instances`,
      `/dicomweb/${junk}`, `/dicomweb/studies/${junk}`, `/${junk}`]);
    return { name: 'path', req: { method: r.pick(['GET', 'GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD']), path: encodeURI(path).replace(/%25/g, '%'), headers: {} } };
  }
  const params: string[] = [];
  for (let i = r.int(0, 6); i > 0; i--) {
    const key = r.pick(KEYS);
    const value = r.pick(VALUES);
    params.push(`${r.chance(0.8) ? encodeURIComponent(key) : key}=${r.chance(0.7) ? encodeURIComponent(value) : value.replace(/[ #]/g, '')}`);
  }
  if (r.chance(0.1)) params.push(params[0] ?? 'limit=1'); // repeated parameter
  const path = r.chance(0.2) ? `/dicomweb/studies/${knownStudy}/${r.pick(['series', 'instances'])}` : r.pick(PATHS);
  return { name: 'query', req: { method: 'GET', path: `${path}?${params.join(r.pick(['&', '&', '&&', ';']))}`, headers: { Accept: r.pick(['application/dicom+json', '*/*', 'text/plain']) } } };
}

/** Bytes that are not (quite) HTTP, for a raw socket. */
export function rawGarbage(r: Rng): { name: string; bytes: Buffer } {
  const cases: Record<string, () => string | Buffer> = {
    random: () => r.bytes(r.int(1, 4000)),
    'bad-request-line': () => r.pick(['GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'G\0T / HTTP/1.1\r\n\r\n', ' / HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /dicomweb/studies\r\n\r\n']),
    'bad-chunks': () => `POST /dicomweb/studies HTTP/1.1\r\nHost: x\r\nContent-Type: ${DICOM_TYPE}\r\nTransfer-Encoding: chunked\r\n\r\n${r.pick(['zz', 'ffffffffffffffff', '-1', '10;ext=' + 'e'.repeat(20_000)])}\r\nabc\r\n0\r\n\r\n`,
    'te-and-cl': () => `POST /dicomweb/studies HTTP/1.1\r\nHost: x\r\nContent-Type: ${DICOM_TYPE}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    'double-cl': () => `POST /dicomweb/studies HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello`,
    'header-no-colon': () => 'GET /dicomweb/studies HTTP/1.1\r\nHost x\r\n\r\n',
    'obs-fold': () => 'GET /dicomweb/studies HTTP/1.1\r\nHost: x\r\nX-A: b\r\n  continued\r\n\r\n',
  };
  const name = r.pick(Object.keys(cases));
  const v = cases[name]();
  return { name: `raw:${name}`, bytes: typeof v === 'string' ? Buffer.from(v, 'latin1') : v };
}
