import type { Condition } from '../model.js';

/**
 * Turns one QIDO condition into a SELECT of matching record ids from `terms`.
 * GLOB (not LIKE) because it is case-sensitive, uses '*' and '?' like DICOM
 * (PS3.4 §C.2.2.2.4), and can use the index for a literal prefix.
 */
export function conditionSql(level: number, tenant: string, c: Condition): { sql: string; params: unknown[] } {
  // DISTINCT: a record matches once even when several of its values match (multi-valued
  // attributes, items of a sequence, a UID list naming two of its values).
  const base = 'SELECT DISTINCT rid FROM terms WHERE level = ? AND tenant = ? AND key = ?';
  const head = [level, tenant, c.key];
  switch (c.op) {
    case 'any':
      return { sql: `${base} AND value IN (${c.values.map(() => '?').join(',')})`, params: [...head, ...c.values] };
    case 'wildcard':
      return { sql: `${base} AND value GLOB ?`, params: [...head, globEscape(c.pattern)] };
    case 'range': {
      let sql = base;
      const params: unknown[] = [...head];
      if (c.from !== undefined) (sql += ' AND value >= ?'), params.push(c.from);
      if (c.to !== undefined) (sql += ' AND value <= ?'), params.push(c.to);
      return { sql, params };
    }
    case 'words': {
      // Every query word must prefix some word of the name.
      const parts = c.prefixes.map(() => `${base} AND value GLOB ?`);
      const params = c.prefixes.flatMap((p) => [...head, globEscape(p) + '*']);
      return { sql: parts.join(' INTERSECT '), params };
    }
  }
}

/** '[' is the only GLOB metacharacter that DICOM wildcards do not use. */
function globEscape(pattern: string): string {
  return pattern.replace(/\[/g, '[[]');
}
