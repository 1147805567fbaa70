/**
 * FHIR resources over a FhirStore: writes with their search values
 * extracted, reads, and searches with _include/_revinclude. No HTTP here.
 */
import type { FhirResourceJson, FhirStore, ReplaceSummary, ResourceWrite, StoredResource } from '../storage/fhir-store.js';
import { extractIndex, referenceOf, valuesAt } from './search/extract.js';
import type { SearchParamDef } from './search/params.js';
import type { IncludeSpec, SearchRequest } from './search/parse-search.js';

export interface SearchResult {
  matches: StoredResource[];
  included: StoredResource[];
  total: number;
  /** Set when includes were cut at `maxIncluded`. */
  truncatedIncludes: boolean;
}

/** Owner key of a study's resources in the store. */
export const studyOwner = (studyUid: string): string => `study/${studyUid}`;

const ITERATE_DEPTH = 3;

export class FhirRepository {
  constructor(
    private readonly store: FhirStore,
    readonly registry: Record<string, SearchParamDef[]>,
    private readonly maxIncluded = 1000,
  ) {}

  toWrite(resource: FhirResourceJson & { id: string }): ResourceWrite {
    return { type: resource.resourceType, id: resource.id, resource, index: extractIndex(resource, this.registry[resource.resourceType] ?? []) };
  }

  /** Makes `resources` the study's complete set (see FhirResourceStore.replaceOwned). */
  replaceStudy(tenant: string, studyUid: string, resources: Array<FhirResourceJson & { id: string }>): Promise<ReplaceSummary> {
    return this.store.replaceOwned(tenant, studyOwner(studyUid), resources.map((r) => this.toWrite(r)));
  }

  read(tenant: string, type: string, id: string): Promise<StoredResource | undefined> {
    return this.store.read(tenant, type, id);
  }

  async search(tenant: string, req: SearchRequest): Promise<SearchResult> {
    const page = await this.store.search({ tenant, type: req.type, conditions: req.conditions, sort: req.sort, offset: req.offset, count: req.count });
    const seen = new Set(page.resources.map((r) => `${r.type}/${r.id}`));
    const included: StoredResource[] = [];
    let truncated = false;
    const add = (found: StoredResource[]) => {
      const fresh = found.filter((r) => !seen.has(`${r.type}/${r.id}`));
      for (const r of fresh) seen.add(`${r.type}/${r.id}`);
      const room = this.maxIncluded - included.length;
      if (fresh.length > room) truncated = true;
      included.push(...fresh.slice(0, Math.max(room, 0)));
      return fresh;
    };
    if (page.resources.length > 0) {
      add(await this.forwardIncludes(tenant, page.resources, req.include.filter((i) => !i.iterate)));
      for (const spec of req.revinclude) {
        const rev = await this.reverseInclude(tenant, page.resources, spec);
        if (rev.truncated) truncated = true;
        add(rev.found);
      }
      let frontier = [...page.resources, ...included];
      const iterating = req.include.filter((i) => i.iterate);
      for (let depth = 0; depth < ITERATE_DEPTH && iterating.length > 0 && frontier.length > 0; depth++) {
        frontier = add(await this.forwardIncludes(tenant, frontier, iterating));
      }
    }
    return { matches: page.resources, included, total: page.total, truncatedIncludes: truncated };
  }

  private async forwardIncludes(tenant: string, from: StoredResource[], specs: IncludeSpec[]): Promise<StoredResource[]> {
    const refs: Array<{ type: string; id: string }> = [];
    for (const spec of specs) {
      const def = this.registry[spec.source]?.find((p) => p.name === spec.param);
      if (!def) continue;
      const targets = spec.target ? [spec.target] : def.targets;
      for (const r of from.filter((x) => x.type === spec.source)) {
        for (const v of def.paths.flatMap((p) => valuesAt(r.resource, p))) {
          const ref = referenceOf(v, targets);
          if (ref) refs.push({ type: ref.split('/')[0], id: ref.split('/')[1] });
        }
      }
    }
    return this.store.readMany(tenant, refs.slice(0, this.maxIncluded + 1));
  }

  private async reverseInclude(tenant: string, to: StoredResource[], spec: IncludeSpec): Promise<{ found: StoredResource[]; truncated: boolean }> {
    const targets = to.filter((r) => !spec.target || r.type === spec.target).map((r) => `${r.type}/${r.id}`);
    if (targets.length === 0) return { found: [], truncated: false };
    const page = await this.store.search({
      tenant, type: spec.source, conditions: [{ kind: 'reference', param: spec.param, anyOf: targets }],
      sort: { by: 'id', descending: false }, offset: 0, count: this.maxIncluded,
    });
    return { found: page.resources, truncated: page.total > page.resources.length };
  }
}
