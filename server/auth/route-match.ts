import type { RouteRule } from './route-table.js';

export interface RouteMatch {
  rule: RouteRule;
  params: Record<string, string>;
}

type Segment = { literal: string } | { param: string } | { rest: string };

interface Compiled {
  rule: RouteRule;
  segments: Segment[];
}

/**
 * Matches requests to route-table rules the way Express matches them to
 * routes, so the permission checked is the one of the route that will run:
 * literal segments compare case-insensitively, `:name` takes one non-empty
 * segment, `*name` the rest of the path, a trailing slash is ignored, GET
 * rules also answer HEAD, and USE rules match a path prefix for any method.
 * The first matching rule wins.
 */
export function routeMatcher(rules: readonly RouteRule[]): (method: string, path: string) => RouteMatch | undefined {
  const compiled: Compiled[] = rules.map((rule) => ({ rule, segments: parsePattern(rule.path) }));
  return (method, path) => {
    const parts = splitPath(path);
    if (!parts) return undefined;
    for (const c of compiled) {
      if (!methodMatches(c.rule.method, method)) continue;
      const params = matchSegments(c.segments, parts, c.rule.method === 'USE');
      if (params) return { rule: c.rule, params };
    }
    return undefined;
  };
}

export function parsePattern(pattern: string): Segment[] {
  return pattern.split('/').filter(Boolean).map((s) => {
    if (s.startsWith(':')) return { param: s.slice(1) };
    if (s.startsWith('*')) return { rest: s.slice(1) };
    return { literal: s.toLowerCase() };
  });
}

/** Raw (still percent-encoded, as Express matches them) segments; undefined when Express would route nothing. */
function splitPath(path: string): string[] | undefined {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (trimmed === '/') return [];
  const parts = trimmed.split('/').slice(1);
  return parts.some((p) => p === '') ? undefined : parts;
}

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

function methodMatches(ruleMethod: RouteRule['method'], method: string): boolean {
  if (ruleMethod === 'USE') return true;
  return ruleMethod === method || (ruleMethod === 'GET' && method === 'HEAD');
}

function matchSegments(segments: Segment[], parts: string[], prefix: boolean): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if ('rest' in s) {
      if (i >= parts.length) return undefined;
      const rest = decode(parts.slice(i).join('/'));
      if (rest === undefined) return undefined;
      params[s.rest] = rest;
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if ('literal' in s && part.toLowerCase() !== s.literal) return undefined;
    if ('param' in s) {
      const value = decode(part);
      if (value === undefined) return undefined;
      params[s.param] = value;
    }
  }
  return prefix || parts.length === segments.length ? params : undefined;
}

/** A pattern with parameter names erased, to compare table entries with Express routes. */
export function normalizePattern(pattern: string): string {
  return '/' + parsePattern(pattern).map((s) => ('literal' in s ? s.literal : 'param' in s ? ':' : '*')).join('/');
}
