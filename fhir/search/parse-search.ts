/**
 * A search URL's parameters → store conditions plus paging and include
 * directives (R4 search.html). Anything not understood is a 400 that names
 * it: silently ignoring a filter would return too much.
 */
import type { ResourceQuery, SearchCondition, TokenMatch } from '../../storage/fhir-store.js';
import { badRequest, notSupported } from '../outcomes.js';
import { DATE_PREFIXES, type DatePrefix, dateSpan, prefixComparisons } from './dates.js';
import type { SearchParamDef } from './params.js';
import { normalizeText } from './text.js';

export interface IncludeSpec {
  source: string;
  param: string;
  target?: string;
  iterate: boolean;
}

export interface SearchRequest {
  type: string;
  conditions: SearchCondition[];
  sort: ResourceQuery['sort'];
  offset: number;
  count: number;
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
}

export interface SearchContext {
  registry: Record<string, SearchParamDef[]>;
  defaultCount: number;
  maxCount: number;
}

/** Accepted with no effect on matching: response format, and `_total` (the total is always exact). */
const PASSIVE = new Set(['_format', '_pretty', '_total']);
const SORTS: Record<string, ResourceQuery['sort']> = {
  _id: { by: 'id', descending: false }, '-_id': { by: 'id', descending: true },
  _lastUpdated: { by: 'lastUpdated', descending: false }, '-_lastUpdated': { by: 'lastUpdated', descending: true },
};

/** Splits on unescaped `sep` and removes FHIR search escapes (`\,` `\|` `\$` `\\`). */
export function splitEscaped(value: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\' && i + 1 < value.length) current += value[++i];
    else if (ch === sep) parts.push(current), (current = '');
    else current += ch;
  }
  parts.push(current);
  return parts;
}

/** The first unescaped `|` separates system and code; later ones belong to the code. */
function tokenMatch(raw: string): TokenMatch {
  const [first, ...rest] = splitEscaped(raw, '|');
  if (rest.length === 0) return { code: first };
  const code = rest.join('|');
  return { system: first === '' ? null : first, ...(code === '' ? {} : { code }) };
}

function referenceValues(def: SearchParamDef, raw: string, typeModifier?: string): string[] {
  const trimmed = raw.replace(/\/_history\/[^/]+$/, '');
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(trimmed);
  if (m) return [`${m[1]}/${m[2]}`];
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(trimmed)) throw badRequest(`Invalid reference "${raw}" for search parameter ${def.name}`, def.name);
  const types = typeModifier ? [typeModifier] : (def.targets ?? []);
  if (types.length === 0) throw badRequest(`Search parameter ${def.name} needs a typed reference (Type/id) or a :Type modifier`, def.name);
  return types.map((t) => `${t}/${trimmed}`);
}

function dateAlternatives(name: string, raw: string) {
  const prefix = DATE_PREFIXES.find((p) => raw.startsWith(p)) as DatePrefix | undefined;
  // An unencoded '+' of a zone offset arrives as a space (form decoding); read it as the '+' it was.
  const value = (prefix ? raw.slice(2) : raw).replace(/ (\d{2}:\d{2})$/, '+$1');
  const span = dateSpan(value);
  if (!span) throw badRequest(`Invalid date "${raw}" for ${name}: expected [eq|ne|gt|lt|ge|le|sa|eb]YYYY[-MM[-DD[Thh:mm[:ss[.sss]][Z|±hh:mm]]]]`, name);
  return prefixComparisons(prefix ?? 'eq', span);
}

function condition(def: SearchParamDef, modifier: string | undefined, raw: string): SearchCondition {
  const values = splitEscaped(raw, ',').filter((v) => v !== '');
  if (values.length === 0) throw badRequest(`Search parameter ${def.name} has no value`, def.name);
  const unsupported = () => notSupported(`Modifier :${modifier} is not supported on ${def.type} parameter ${def.name}`, def.name);
  switch (def.type) {
    case 'token':
      if (modifier) throw unsupported();
      return { kind: 'token', param: def.name, anyOf: values.map(tokenMatch) };
    case 'reference': {
      // The only modifier is a target type (`subject:Patient=123`).
      if (modifier && (!/^[A-Z][A-Za-z]+$/.test(modifier) || (def.targets && !def.targets.includes(modifier)))) throw unsupported();
      return { kind: 'reference', param: def.name, anyOf: values.flatMap((v) => referenceValues(def, v, modifier)) };
    }
    case 'string': {
      if (modifier && modifier !== 'exact' && modifier !== 'contains') throw unsupported();
      const match = modifier === 'exact' ? 'exact' : modifier === 'contains' ? 'contains' : 'prefix';
      return { kind: 'string', param: def.name, match, anyOf: match === 'exact' ? values : values.map(normalizeText) };
    }
    case 'date':
      if (modifier) throw unsupported();
      return { kind: 'date', param: def.name, anyOf: values.flatMap((v) => dateAlternatives(def.name, v)) };
  }
}

function nonNegativeInt(name: string, raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw badRequest(`${name} must be a non-negative integer, got "${raw}"`, name);
  return Number(raw);
}

function includeSpec(ctx: SearchContext, name: string, raw: string, iterate: boolean): IncludeSpec {
  const [source, param, target, ...extra] = raw.split(':');
  const def = ctx.registry[source]?.find((p) => p.name === param);
  if (extra.length || !def || def.type !== 'reference' || (target && def.targets && !def.targets.includes(target))) {
    throw badRequest(`${name}=${raw} is not supported: expected SourceType:parameter[:TargetType] with a reference parameter of SourceType (see /fhir/metadata)`, name);
  }
  return { source, param, ...(target ? { target } : {}), iterate };
}

export type QueryParams = Record<string, string | string[] | undefined>;

export function parseSearch(type: string, query: QueryParams, ctx: SearchContext): SearchRequest {
  const defs = ctx.registry[type] ?? [];
  const req: SearchRequest = { type, conditions: [], sort: SORTS['-_lastUpdated'], offset: 0, count: ctx.defaultCount, include: [], revinclude: [] };
  for (const [key, value] of Object.entries(query)) {
    for (const raw of Array.isArray(value) ? value : value === undefined ? [] : [value]) applyParam(req, key, raw, defs, ctx);
  }
  for (const inc of req.include) {
    if (!inc.iterate && inc.source !== type) throw badRequest(`_include=${inc.source}:${inc.param} does not apply to ${type} (use _include:iterate)`, '_include');
  }
  for (const rev of req.revinclude) {
    const def = ctx.registry[rev.source].find((p) => p.name === rev.param)!;
    if (def.targets && !def.targets.includes(type)) throw badRequest(`_revinclude=${rev.source}:${rev.param} never points to ${type}`, '_revinclude');
  }
  return req;
}

function applyParam(req: SearchRequest, key: string, raw: string, defs: SearchParamDef[], ctx: SearchContext): void {
  const [name, modifier, ...rest] = key.split(':');
  if (PASSIVE.has(name)) return;
  if (name === '_count') req.count = Math.min(nonNegativeInt('_count', raw), ctx.maxCount);
  else if (name === '_offset') req.offset = nonNegativeInt('_offset', raw);
  else if (name === '_summary') {
    if (raw === 'count') req.count = 0;
    else if (raw !== 'false') throw notSupported(`_summary=${raw} is not supported (only count and false)`, '_summary');
  } else if (name === '_sort') {
    const sort = SORTS[raw];
    if (!sort) throw notSupported(`_sort=${raw} is not supported: use _id, -_id, _lastUpdated or -_lastUpdated`, '_sort');
    req.sort = sort;
  } else if (name === '_include' || name === '_revinclude') {
    if (modifier && modifier !== 'iterate') throw badRequest(`Unknown modifier ${key}`, name);
    for (const spec of raw.split(',')) (name === '_include' ? req.include : req.revinclude).push(includeSpec(ctx, name, spec, modifier === 'iterate'));
  } else if (name === '_id') {
    if (modifier) throw notSupported(`Modifier :${modifier} is not supported on _id`, '_id');
    req.conditions.push({ kind: 'id', anyOf: splitEscaped(raw, ',') });
  } else if (name === '_lastUpdated') {
    if (modifier) throw notSupported(`Modifier :${modifier} is not supported on _lastUpdated`, '_lastUpdated');
    req.conditions.push({ kind: 'lastUpdated', anyOf: splitEscaped(raw, ',').flatMap((v) => dateAlternatives('_lastUpdated', v)) });
  } else {
    const def = defs.find((d) => d.name === name);
    if (!def || rest.length) {
      const known = ['_id', '_lastUpdated', ...defs.map((d) => d.name)].join(', ');
      throw badRequest(`Unknown or unsupported search parameter "${key}" for ${req.type}; supported: ${known}, and _count, _offset, _sort, _include, _revinclude, _summary=count, _total, _format`, key);
    }
    req.conditions.push(condition(def, modifier, raw));
  }
}
