/**
 * Warning/error collector. Mapping problems are data, not exceptions (spec 2.3:
 * invalid values are dropped with a warning; only missing keys are fatal, and only
 * for the affected instance), so a mapper records them here and carries on.
 */

export interface MappingIssue {
  /** Stable machine-readable code, e.g. `BODY_PART_UNKNOWN`. */
  code: string;
  message: string;
  sopInstanceUid?: string;
  /** SR content item path (0040,DB73 form), when the issue is inside an SR tree. */
  path?: string;
}

export class Issues {
  readonly warnings: MappingIssue[] = [];
  readonly errors: MappingIssue[] = [];
  private readonly seen = new Set<string>();

  warn(code: string, message: string, where: Omit<MappingIssue, 'code' | 'message'> = {}): void {
    this.push(this.warnings, { code, message, ...where });
  }

  error(code: string, message: string, where: Omit<MappingIssue, 'code' | 'message'> = {}): void {
    this.push(this.errors, { code, message, ...where });
  }

  private push(list: MappingIssue[], issue: MappingIssue): void {
    const key = JSON.stringify(issue);
    if (this.seen.has(key)) return; // repeated identical problems add no information
    this.seen.add(key);
    list.push(issue);
  }
}
