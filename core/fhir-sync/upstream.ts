/**
 * The upstream FHIR server, reached through fhir-kit-client (the only import
 * of it). Posts transaction Bundles and sorts failures into what a retry can
 * fix and what it cannot (spec 10.3).
 */
import { Client } from 'fhir-kit-client';
import { PushFailure, classify } from './push-failure.js';

export interface UpstreamSettings {
  baseUrl: string;
  bearerToken?: string;
  timeoutMs: number;
}

export interface Upstream {
  postTransaction(bundleJson: string): Promise<void>;
}

export function createUpstream(s: UpstreamSettings): Upstream {
  const client = new Client({ baseUrl: s.baseUrl, ...(s.bearerToken ? { bearerToken: s.bearerToken } : {}) });
  return {
    async postTransaction(bundleJson: string): Promise<void> {
      try {
        const response = await client.transaction({ body: JSON.parse(bundleJson), options: { signal: AbortSignal.timeout(s.timeoutMs) } });
        if ((response as { resourceType?: string })?.resourceType !== 'Bundle') throw new PushFailure('the upstream answered a transaction with no Bundle', true, false);
      } catch (err) {
        throw classify(err);
      }
    },
  };
}
