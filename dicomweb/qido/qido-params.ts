import { nameWords, normalizeValue, timeBound } from '../../core/query/normalize.js';
import { HAS_CONTRAST, LEVEL_RANK, type Level, type SearchKey, type SearchKeyRegistry, resolveAttributePath } from '../../core/query/search-keys.js';
import type { Condition } from '../../storage/model.js';
import { AppError } from '../../storage/errors.js';

/** A parsed QIDO-RS query (PS3.18 §8.3.4 query parameters). */
export interface QidoParams {
  conditions: Condition[];
  /** Tags to return beyond the level's defaults; 'all' for every stored attribute. */
  includeFields: Set<string> | 'all';
  limit: number;
  offset: number;
}

const RESERVED = new Set(['limit', 'offset', 'fuzzymatching', 'includefield', 'accept', 'charset']);

export function parseQido(
  query: Record<string, unknown>, level: Level, registry: SearchKeyRegistry, limits: { defaultLimit: number; maxLimit: number },
): QidoParams {
  const fuzzy = single(query.fuzzymatching, 'fuzzymatching') === 'true';
  const params: QidoParams = {
    conditions: [],
    includeFields: parseIncludeFields(query.includefield),
    limit: Math.min(intParam(query.limit, 'limit', limits.defaultLimit, 1), limits.maxLimit),
    offset: intParam(query.offset, 'offset', 0, 0),
  };
  for (const [name, raw] of Object.entries(query)) {
    if (RESERVED.has(name)) continue;
    if (name.toLowerCase() === 'hascontrast') {
      params.conditions.push(hasContrast(single(raw, name)));
      continue;
    }
    const key = matchingKey(name, level, registry);
    const value = single(raw, name);
    // A sequence key returns its whole sequence (PS3.18 §10.6.3.3: matching attributes are returned).
    if (params.includeFields !== 'all') params.includeFields.add(key.tag.split('.')[0]!);
    const condition = toCondition(key, value, fuzzy);
    if (condition) params.conditions.push(condition);
  }
  return params;
}

function matchingKey(name: string, level: Level, registry: SearchKeyRegistry): SearchKey {
  const tag = resolveAttributePath(name);
  if (!tag) {
    throw new AppError('invalid', name.includes('.')
      ? `"${name}" is not a sequence matching path: one sequence and one of its attributes, e.g. RequestAttributesSequence.ScheduledProcedureStepID`
      : `unknown query parameter or attribute "${name}"`);
  }
  const key = registry.byTagOrKeyword(tag);
  if (!key || (!key.rollup && LEVEL_RANK[key.level] > LEVEL_RANK[level])) {
    const supported = registry.all().filter((k) => k.rollup || LEVEL_RANK[k.level] <= LEVEL_RANK[level]).map((k) => k.keyword);
    throw new AppError('invalid', `"${name}" is not a matching key at ${level} level; supported: ${supported.join(', ')}`);
  }
  return key;
}

/** PS3.4 §C.2.2.2: empty or '*' is universal matching (no condition, attribute returned). */
function toCondition(key: SearchKey, value: string, fuzzy: boolean): Condition | undefined {
  if (value === '' || value === '*') return undefined;
  const k = key.keyword;
  switch (key.kind) {
    case 'uid':
      return { key: k, op: 'any', values: value.split(/[\\,]/).map((v) => v.trim()).filter(Boolean) };
    case 'date':
      return rangeOrValue(k, value, (v) => normalizeValue('date', v));
    case 'time': {
      const [from, to] = value.includes('-') ? value.split('-') : [value, value];
      return { key: k, op: 'range', from: from ? timeBound(from, false) : undefined, to: to ? timeBound(to, true) : undefined };
    }
    default:
      return textCondition(key, value, fuzzy);
  }
}

function textCondition(key: SearchKey, value: string, fuzzy: boolean): Condition {
  const k = key.keyword;
  if (/[*?]/.test(value)) return { key: k, op: 'wildcard', pattern: normalizeValue(key.kind, value) };
  if (key.kind === 'pn' && fuzzy) return { key: `${k}.word`, op: 'words', prefixes: nameWords(value) };
  return { key: k, op: 'any', values: value.split('\\').map((v) => normalizeValue(key.kind, v)) };
}

/** Date range matching (PS3.4 §C.2.2.2.5), open ends allowed. */
function rangeOrValue(key: string, value: string, norm: (v: string) => string): Condition {
  if (!value.includes('-')) return { key, op: 'any', values: value.split('\\').map(norm) };
  const [from, to] = value.split('-');
  return { key, op: 'range', from: from ? norm(from) : undefined, to: to ? norm(to) : undefined };
}

/** Our extension: hascontrast=true|false matches on whether Contrast/Bolus Agent (0018,0010) has a value. */
function hasContrast(value: string): Condition {
  if (value !== 'true' && value !== 'false') throw new AppError('invalid', 'hascontrast must be true or false');
  return { key: HAS_CONTRAST, op: 'any', values: [value] };
}

function parseIncludeFields(raw: unknown): Set<string> | 'all' {
  const list = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((v) => String(v).split(','));
  if (list.some((v) => v.trim() === 'all')) return 'all';
  const tags = new Set<string>();
  for (const item of list.map((v) => v.trim()).filter(Boolean)) {
    // "Sequence.Attribute" returns the whole sequence (PS3.18 §8.3.4.1 allows attribute paths here too).
    const tag = resolveAttributePath(item)?.split('.')[0];
    if (!tag) throw new AppError('invalid', `includefield "${item}" is not a known attribute`);
    tags.add(tag);
  }
  return tags;
}

function intParam(raw: unknown, name: string, dflt: number, min: number): number {
  if (raw === undefined) return dflt;
  const s = single(raw, name);
  if (!/^\d{1,15}$/.test(s) || Number(s) < min) throw new AppError('invalid', `${name} must be an integer from ${min} to 999999999999999`);
  return Number(s);
}

function single(raw: unknown, name: string): string {
  if (raw === undefined) return '';
  if (Array.isArray(raw)) throw new AppError('invalid', `query parameter ${name} is given more than once`);
  if (typeof raw !== 'string') throw new AppError('invalid', `query parameter ${name} is malformed`);
  return raw;
}
