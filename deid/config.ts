import { resolve } from 'node:path';
import { DEFAULT_VIEW_OPTIONS, OPTION_CONFIG_NAME, enabledOptions, parseOptionList, type DeidOptions } from './profile/options.js';

/**
 * De-identification settings, parsed from the environment that server/config.ts
 * hands over (it stays the only reader of process.env).
 *
 * DEID_POLICY           off | at-ingest | on-read (default on-read), for every tenant
 * DEID_TENANT_POLICIES  per-tenant overrides, "tenantA:at-ingest,tenantB:off"
 * DEID_OPTIONS          PS3.15 options, comma-separated (default
 *                       retain-longitudinal-full-dates,retain-patient-characteristics)
 * DEID_SECRET           key for UIDs and pseudonyms; default: a random key kept in DATA_DIR/deid-secret
 * DEID_AUDIT            jsonl (DATA_DIR/audit/deid.jsonl, default) | none
 */
export type DeidPolicy = 'off' | 'at-ingest' | 'on-read';

export interface DeidConfig {
  policy: DeidPolicy;
  tenantPolicies: Record<string, DeidPolicy>;
  options: DeidOptions;
  secret?: string;
  secretFile: string;
  audit: { kind: 'jsonl'; file: string } | { kind: 'none' };
}

const POLICIES: DeidPolicy[] = ['off', 'at-ingest', 'on-read'];

export function loadDeidConfig(env: NodeJS.ProcessEnv, dataDir: string): DeidConfig {
  const tenantPolicies: Record<string, DeidPolicy> = {};
  for (const entry of (env.DEID_TENANT_POLICIES ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [tenant, policy] = entry.split(':').map((s) => s.trim());
    if (!tenant || !policy) throw new Error(`DEID_TENANT_POLICIES: "${entry}" is not tenant:policy`);
    tenantPolicies[tenant] = policyValue(policy, 'DEID_TENANT_POLICIES');
  }
  const auditKind = env.DEID_AUDIT ?? 'jsonl';
  if (auditKind !== 'jsonl' && auditKind !== 'none') throw new Error(`DEID_AUDIT must be jsonl or none, got "${auditKind}"`);
  return {
    policy: policyValue(env.DEID_POLICY ?? 'on-read', 'DEID_POLICY'),
    tenantPolicies,
    options: env.DEID_OPTIONS === undefined ? DEFAULT_VIEW_OPTIONS : parseOptionList(env.DEID_OPTIONS),
    secret: env.DEID_SECRET || undefined,
    secretFile: resolve(dataDir, 'deid-secret'),
    audit: auditKind === 'jsonl' ? { kind: 'jsonl', file: resolve(dataDir, 'audit', 'deid.jsonl') } : { kind: 'none' },
  };
}

function policyValue(v: string, name: string): DeidPolicy {
  if (!POLICIES.includes(v as DeidPolicy)) throw new Error(`${name}: policy must be one of ${POLICIES.join(', ')}, got "${v}"`);
  return v as DeidPolicy;
}

/** For logs at boot: the options in config form (never the secret). */
export function describeOptions(o: DeidOptions): string {
  return enabledOptions(o).map((n) => OPTION_CONFIG_NAME[n]).join(',') || 'basic';
}
