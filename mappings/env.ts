/**
 * What every mapper needs besides its input: resolved configuration, the issue
 * collector, date conversion settings and the coding environment.
 */
import type { CodingEnv } from './coding.js';
import type { ResolvedContext } from './context.js';
import type { DateEnv } from './datetime.js';
import type { Issues } from './issues.js';

export interface MapEnv {
  cfg: ResolvedContext;
  issues: Issues;
  dates: DateEnv;
  coding: CodingEnv;
}

export function createEnv(cfg: ResolvedContext, issues: Issues): MapEnv {
  return {
    cfg,
    issues,
    dates: { defaultTimezone: cfg.defaultTimezone, shiftDays: cfg.deid.dateShiftDays },
    coding: { localCodingSchemes: cfg.localCodingSchemes, issues },
  };
}
