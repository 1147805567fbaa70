import type { DateComparison, SearchCondition } from '../fhir-store.js';

export interface SqlPart {
  sql: string;
  params: unknown[];
}

/** LIKE pattern with `\` as the escape character. */
const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** OR of AND-ed comparisons on the columns `lo`/`hi` (or one column for both). */
function comparisons(anyOf: DateComparison[][], column: (f: 'lo' | 'hi') => string): SqlPart {
  const params: unknown[] = [];
  const alternatives = anyOf.map((all) => {
    const terms = all.map((c) => {
      params.push(c.value);
      return `${column(c.field)} ${c.op} ?`;
    });
    return terms.length ? `(${terms.join(' AND ')})` : '1';
  });
  return { sql: alternatives.length ? `(${alternatives.join(' OR ')})` : '0', params };
}

/** Rows of fhir_index for one parameter that satisfy the condition's alternatives. */
function indexPredicate(c: Exclude<SearchCondition, { kind: 'id' } | { kind: 'lastUpdated' }>): SqlPart {
  switch (c.kind) {
    case 'token': {
      const params: unknown[] = [];
      const alts = c.anyOf.map((t) => {
        const terms: string[] = [];
        if (t.code !== undefined) terms.push('value = ?'), params.push(t.code);
        if (t.system === null) terms.push(`system = ''`);
        else if (t.system !== undefined) terms.push('system = ?'), params.push(t.system);
        return terms.length ? `(${terms.join(' AND ')})` : '1';
      });
      return { sql: alts.length ? `(${alts.join(' OR ')})` : '0', params };
    }
    case 'reference':
      return { sql: `value IN (${c.anyOf.map(() => '?').join(', ') || 'NULL'})`, params: c.anyOf };
    case 'string': {
      if (c.match === 'exact') return { sql: `exact IN (${c.anyOf.map(() => '?').join(', ') || 'NULL'})`, params: c.anyOf };
      const pattern = (v: string) => (c.match === 'prefix' ? `${likeEscape(v)}%` : `%${likeEscape(v)}%`);
      return { sql: `(${c.anyOf.map(() => `value LIKE ? ESCAPE '\\'`).join(' OR ') || '0'})`, params: c.anyOf.map(pattern) };
    }
    case 'date':
      return comparisons(c.anyOf, (f) => f);
  }
}

/** A WHERE term on fhir_resources `r` for one condition. */
export function conditionSql(tenant: string, type: string, c: SearchCondition): SqlPart {
  if (c.kind === 'id') return { sql: `r.id IN (${c.anyOf.map(() => '?').join(', ') || 'NULL'})`, params: c.anyOf };
  if (c.kind === 'lastUpdated') return comparisons(c.anyOf, () => 'r.last_updated');
  const p = indexPredicate(c);
  return {
    sql: `r.rid IN (SELECT rid FROM fhir_index WHERE tenant = ? AND type = ? AND param = ? AND ${p.sql})`,
    params: [tenant, type, c.param, ...p.params],
  };
}
