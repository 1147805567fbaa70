/**
 * A searchset Bundle (R4 bundle.html, search.html#paging): matches, then
 * included resources, `total`, and self/next/previous links that page with
 * `_offset` and `_count`.
 */
import { randomUUID } from 'node:crypto';
import type { FhirResourceJson, StoredResource } from '../../storage/fhir-store.js';
import { outcome } from '../outcomes.js';
import type { SearchResult } from '../repository.js';
import type { SearchRequest } from './parse-search.js';

export interface SearchUrls {
  /** The FHIR base as clients see it, e.g. https://host/fhir. */
  base: string;
  /** The query string as received, without `?`. */
  rawQuery: string;
}

function pageLink(urls: SearchUrls, type: string, offset: number, count: number): string {
  const params = new URLSearchParams(urls.rawQuery);
  params.delete('_offset');
  params.delete('_count');
  params.set('_count', String(count));
  params.set('_offset', String(offset));
  return `${urls.base}/${type}?${params.toString()}`;
}

export function toSearchset(result: SearchResult, req: SearchRequest, urls: SearchUrls): FhirResourceJson {
  const link = [{ relation: 'self', url: `${urls.base}/${req.type}${urls.rawQuery ? `?${urls.rawQuery}` : ''}` }];
  if (req.count > 0 && req.offset + req.count < result.total) link.push({ relation: 'next', url: pageLink(urls, req.type, req.offset + req.count, req.count) });
  if (req.count > 0 && req.offset > 0) link.push({ relation: 'previous', url: pageLink(urls, req.type, Math.max(req.offset - req.count, 0), req.count) });
  const entry = (r: StoredResource, mode: 'match' | 'include') => ({ fullUrl: `${urls.base}/${r.type}/${r.id}`, resource: r.resource, search: { mode } });
  const entries: unknown[] = [...result.matches.map((r) => entry(r, 'match')), ...result.included.map((r) => entry(r, 'include'))];
  if (result.truncatedIncludes) {
    entries.push({ resource: outcome('warning', 'too-costly', 'Included resources were cut at the server limit; narrow the search'), search: { mode: 'outcome' } });
  }
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: new Date().toISOString() },
    type: 'searchset',
    total: result.total,
    link,
    ...(entries.length ? { entry: entries } : {}),
  };
}
