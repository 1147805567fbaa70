import type { Request, RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import type { AuditRecord } from '../../storage/audit-store.js';
import { routeMatchOf } from '../auth/access-control.js';
import { principalOf } from '../auth/principal.js';
import { runWithAuditNotes, type AuditNotes } from './audit-context.js';
import type { AuditLog } from './audit-log.js';

/** nginx's "client closed request": the response was cut short. */
const CLIENT_CLOSED = 499;
const QUERY_KEY = /^[A-Za-z0-9_.:-]{1,64}$/;
const UID = /^[0-9.]{1,64}$/;
const FHIR_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

/**
 * Registers, before access control runs, an audit record for every request
 * whose route-table entry has an audit action and that got as far as an
 * authenticated tenant (so refused attempts with a valid credential, 403,
 * are recorded too). The record is written when the response closes, with
 * the outcome status and whatever handlers noted (audit-context.ts).
 */
export function auditTrail(log: AuditLog, now: () => Date = () => new Date()): RequestHandler {
  return (req, res, next) => {
    const notes: AuditNotes = { studyUids: new Set(), entities: new Set() };
    res.once('close', () => {
      const record = recordOf(req, res.writableFinished ? res.statusCode : CLIENT_CLOSED, notes, now());
      if (record) log.record(record);
    });
    runWithAuditNotes(notes, next);
  };
}

function recordOf(req: Request, status: number, notes: AuditNotes, at: Date): AuditRecord | undefined {
  const match = routeMatchOf(req);
  const principal = principalOf(req);
  if (!match?.rule.audit || !principal?.tenant) return undefined;
  const { study, type, id } = match.params;
  // Only well-formed identifiers: a path segment is client-chosen text.
  if (study && UID.test(study)) notes.studyUids.add(study);
  if (type && id && FHIR_TYPE.test(type) && FHIR_ID.test(id)) notes.entities.add(`${type}/${id}`);
  return {
    id: randomUUID(),
    recordedAt: at.toISOString(),
    tenant: principal.tenant,
    agent: { kind: principal.kind, id: principal.id },
    action: match.rule.audit,
    method: req.method,
    route: match.rule.path,
    studyUids: [...notes.studyUids],
    entities: [...notes.entities],
    // Names only: values of a query can be a patient's name or birth date.
    queryKeys: [...new Set(Object.keys(req.query ?? {}))].filter((k) => QUERY_KEY.test(k)).sort().slice(0, 32),
    status,
    ...(req.ip ? { sourceAddress: req.ip } : {}),
  };
}
