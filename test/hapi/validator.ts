// FHIR R4 instance validation with HAPI FHIR (test/hapi/src/main/java/dicomweb/hapi/ValidatorMain.java),
// run as one long-lived JVM so that validating many resources pays start-up once.
//
//   const v = await startValidator();          // ~15-30 s CPU: loads the base R4 definitions
//   const issues = await v.validate(resource); // ~0.1 s per resource once warm
//   assert.deepEqual(errorsOf(issues), []);
//   await v.stop();
//
// Validates against the base R4 StructureDefinitions only (no IGs, no terminology
// server, no network). Codes from code systems it does not know (SNOMED CT, LOINC,
// DICOM DCM, ...) come back as warnings, never errors; required bindings to FHIR's
// own value sets (e.g. ImagingStudy.status) are errors. See ValidatorMain for the
// exact validation-support chain.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hapiToolsDir, JavaTool } from './java.js';

export interface Issue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  /** FHIRPath-like location, e.g. "ImagingStudy.series[0].modality". */
  location: string;
  message: string;
  /** HAPI/HL7 validator message id (e.g. "Terminology_TX_NoValid_16"), when it has one. */
  messageId?: string;
}

export interface Validator {
  validate(resource: object): Promise<Issue[]>;
  stop(): Promise<void>;
}

/** The issues that make a resource invalid (fatal or error). */
export function errorsOf(issues: Issue[]): Issue[] {
  return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** One line per issue, for assertion messages. */
export function formatIssues(issues: Issue[]): string {
  return issues.map((i) => `${i.severity} @ ${i.location}: ${i.message}`).join('\n');
}

export async function startValidator(opts: { timeoutMs?: number } = {}): Promise<Validator> {
  const tools = await hapiToolsDir();
  const dir = mkdtempSync(join(tmpdir(), 'dicomweb-hapi-validator-'));
  const proc = new JavaTool('HAPI FHIR validator', join(tools, 'validator.args'), ['0'], join(dir, 'validator.log'), dir);
  let port: number;
  try {
    port = await proc.ready(async (p) => {
      const res = await fetch(`http://127.0.0.1:${p}/health`);
      if (!res.ok) throw new Error(`health: HTTP ${res.status}`);
    }, opts.timeoutMs ?? 480_000);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = `http://127.0.0.1:${port}/validate`;
  return {
    async validate(resource: object): Promise<Issue[]> {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify(resource),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`validator: HTTP ${res.status}: ${text}\n--- log tail ---\n${proc.logTail(10)}`);
      return JSON.parse(text) as Issue[];
    },
    async stop(): Promise<void> {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
