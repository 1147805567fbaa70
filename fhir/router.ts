/**
 * The FHIR R4 REST API at /fhir (read-only): metadata, read, search-type and
 * ImagingStudy $summary. Interactions are a small route table in the manner
 * of node-fhir-server-core; every failure ends in fhirErrorHandler as an
 * OperationOutcome, including unknown paths (404) and methods (405).
 */
import { Router, type Request, type Response } from 'express';
import type { FhirResourceJson } from '../storage/fhir-store.js';
import { assertJsonFormat, fhirErrorHandler, negotiateFormat, sendFhir, wantsFhirJson } from './http.js';
import { badRequest, methodNotAllowed, notFound, notSupported } from './outcomes.js';
import type { FhirRepository } from './repository.js';
import { READ_ONLY_TYPES } from './search/params.js';
import { type QueryParams, parseSearch } from './search/parse-search.js';
import { toSearchset } from './search/searchset.js';
import { summaryBinaryId, summaryText } from './summary.js';

export interface FhirRouterDeps {
  repo: FhirRepository;
  /** The tenant a request acts for (the same resolution as the DICOMweb layer). */
  tenantOf(req: Request): string;
  /** The FHIR base as clients should see it (…/fhir). */
  baseUrl(req: Request): string;
  capability(baseUrl: string): FhirResourceJson;
  search: { defaultCount: number; maxCount: number };
  /**
   * Resolves once the tenant's FHIR reflects every DICOM change committed so
   * far (throws `unavailable` when it cannot in time): the FHIR view never
   * lags what DICOMweb already shows.
   */
  caughtUp(tenant: string): Promise<void>;
  log: { error: (o: object, m: string) => void };
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function fhirRouter(deps: FhirRouterDeps): Router {
  const r = Router();
  const searchable = (type: string) => type in deps.repo.registry;
  const readable = (type: string) => searchable(type) || READ_ONLY_TYPES.includes(type);
  const checkType = (type: string, ok: (t: string) => boolean, what: string) => {
    if (!/^[A-Z][A-Za-z]+$/.test(type)) throw badRequest(`"${type}" is not a FHIR resource type`);
    if (!ok(type)) throw badRequest(`Resource type ${type} is not supported for ${what}; see [base]/metadata`);
  };
  const checkId = (id: string) => {
    if (!ID.test(id)) throw badRequest(`"${id}" is not a valid FHIR id`);
  };

  r.use((req, _res, next) => next(req.method === 'GET' || req.method === 'HEAD'
    ? undefined
    : methodNotAllowed(`${req.method} is not supported: this FHIR API is read-only (resources come from DICOM studies stored through STOW-RS)`)));

  r.get('/metadata', negotiateFormat(), (req, res) => sendFhir(req, res, 200, deps.capability(deps.baseUrl(req))));

  r.get('/', () => {
    throw notSupported('System-level search is not supported; search a resource type, e.g. /fhir/ImagingStudy?patient=…');
  });

  r.get('/:type', negotiateFormat(), async (req: Request, res: Response) => {
    const type = String(req.params.type);
    checkType(type, searchable, 'search');
    const search = parseSearch(type, req.query as QueryParams, { registry: deps.repo.registry, ...deps.search });
    const tenant = deps.tenantOf(req);
    await deps.caughtUp(tenant);
    const result = await deps.repo.search(tenant, search);
    const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    sendFhir(req, res, 200, toSearchset(result, search, { base: deps.baseUrl(req), rawQuery }));
  });

  r.get('/:type/:id', async (req: Request, res: Response) => {
    const [type, id] = [String(req.params.type), String(req.params.id)];
    checkType(type, readable, 'read');
    checkId(id);
    const tenant = deps.tenantOf(req);
    await deps.caughtUp(tenant);
    const found = await deps.repo.read(tenant, type, id);
    if (!found) throw notFound(`${type}/${id} is not known`);
    res.setHeader('ETag', `W/"${found.versionId}"`);
    res.setHeader('Last-Modified', new Date(found.lastUpdated).toUTCString());
    if (type === 'Binary' && !wantsFhirJson(req)) {
      res.status(200).type(String(found.resource.contentType ?? 'application/octet-stream'));
      return void res.send(Buffer.from(String(found.resource.data ?? ''), 'base64'));
    }
    assertJsonFormat(req);
    sendFhir(req, res, 200, found.resource);
  });

  r.get('/:type/:id/:operation', negotiateFormat(true), async (req: Request, res: Response) => {
    const [type, id, operation] = [String(req.params.type), String(req.params.id), String(req.params.operation)];
    checkType(type, readable, 'read');
    checkId(id);
    if (type !== 'ImagingStudy' || operation !== '$summary') {
      throw notSupported(`${type}/${id}/${operation} is not supported (no history; the only operation is ImagingStudy/[id]/$summary)`);
    }
    const tenant = deps.tenantOf(req);
    await deps.caughtUp(tenant);
    if (!(await deps.repo.read(tenant, type, id))) throw notFound(`ImagingStudy/${id} is not known`);
    const binary = await deps.repo.read(tenant, 'Binary', summaryBinaryId(id));
    if (!binary) throw notFound(`ImagingStudy/${id} has no summary yet`);
    res.status(200).type('text/plain; charset=utf-8').send(summaryText(binary.resource));
  });

  r.use(() => {
    throw notFound('No such FHIR endpoint: use [base]/metadata, [base]/[type], [base]/[type]/[id] or [base]/ImagingStudy/[id]/$summary');
  });
  r.use(fhirErrorHandler(deps.log));
  return r;
}
