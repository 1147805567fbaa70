import request from 'supertest';
import type { Express } from 'express';
import type { RouteRule } from '../../../server/auth/route-table.js';
import { STOW_TYPE, multipartBody } from '../../helpers/multipart.js';
import { newUid, syntheticInstance } from '../../fixtures/synthetic-dicom.js';

/** Values for the path parameters of route-table entries. A new parameter name needs a value here. */
export interface ProbeValues {
  study: string;
  series: string;
  instance: string;
  frames: string;
  /** The rest of a bulkdata URI after /bulkdata/. */
  path: string;
  type: string;
  /** A FHIR resource id of `type`. */
  id: string;
  operation: string;
  /** An AuditEvent id. */
  event: string;
  /** The uploader's patient id of the patient imaging API (/api/imaging). */
  patientId: string;
  /** The same study, series and instance as the de-identified view names them. */
  deid?: { study: string; series: string; instance: string };
}

/** Values that name nothing in any tenant. */
export function missingValues(): ProbeValues {
  return {
    study: newUid(), series: newUid(), instance: newUid(), frames: '1', path: '7FE00010',
    type: 'ImagingStudy', id: `x${newUid().slice(5, 40).replace(/\./g, '')}`, operation: '$summary', event: crypto.randomUUID(),
    patientId: `UP-${newUid().slice(-12)}`,
  };
}

/** Query strings some entries cannot do without. */
const QUERY: Record<string, (v: ProbeValues) => string> = {
  'GET /api/imaging': (v) => `?patientId=${encodeURIComponent(v.patientId)}`,
};

export function pathFor(rule: RouteRule, v: ProbeValues): string {
  // The de-identified view names studies by their de-identified UIDs.
  const names = rule.family === 'deid' && v.deid ? { ...v, ...v.deid } : v;
  return `${pathOf(rule, names)}${QUERY[`${rule.method} ${rule.path}`]?.(v) ?? ''}`;
}

function pathOf(rule: RouteRule, v: ProbeValues): string {
  return rule.path.replace(/[:*](\w+)/g, (_m, name: string) => {
    const value = (v as unknown as Record<string, string | undefined>)[name];
    if (value === undefined) throw new Error(`${rule.method} ${rule.path}: no probe value for parameter "${name}"; add one to test/auth/helpers/route-probes.ts`);
    return name === 'path' ? value : encodeURIComponent(value);
  });
}

type Body = { kind: 'raw'; type: string; body: Buffer } | { kind: 'form'; file: Buffer; fields: Record<string, string> };

/** A request body for entries that take one; the patient name marks whose data it is. */
export function bodyFor(rule: RouteRule, v: ProbeValues, patientName: string): Body | undefined {
  if (rule.method === 'GET' || rule.method === 'DELETE') return undefined;
  const instance = () => syntheticInstance({ studyUid: v.study, seriesUid: v.series, sopUid: v.instance, attrs: { PatientName: patientName, PatientID: `ID-${patientName}` } });
  if (rule.family === 'stow') return { kind: 'raw', type: STOW_TYPE, body: multipartBody([instance()]) };
  if (rule.family === 'upload') return { kind: 'form', file: instance(), fields: { patientId: v.patientId, indication: 'probe' } };
  if (rule.family === 'admin') return undefined;
  throw new Error(`${rule.method} ${rule.path}: no probe body for family "${rule.family}"; add one to test/auth/helpers/route-probes.ts`);
}

export function send(app: Express, rule: RouteRule, v: ProbeValues, headers: Record<string, string>, patientName = 'Probe^Body'): Promise<request.Response> {
  const path = pathFor(rule, v);
  const method = rule.method === 'USE' ? 'get' : (rule.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete');
  let r = request(app)[method](path).set(headers);
  const body = bodyFor(rule, v, patientName);
  if (body?.kind === 'raw') r = r.set('Content-Type', body.type).send(body.body);
  if (body?.kind === 'form') {
    for (const [k, val] of Object.entries(body.fields)) r = r.field(k, val);
    r = r.attach('file', body.file, { filename: 'probe.dcm', contentType: 'application/dicom' });
  }
  return r.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}
