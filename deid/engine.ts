import { burnedInRisk, type BurnedInReason } from '../dicom/burned-in.js';
import { deidentifyDataset, type Dataset, type DeidRun, type PatientReplacement } from './deidentify-dataset.js';
import { isDeidentifiedByUs, methodAttributes } from './method-attributes.js';
import { OPTION_CONFIG_NAME, enabledOptions, type DeidOptions } from './profile/options.js';
import { Pseudonymizer, patientKeyOf, patientPseudonyms } from './pseudonyms.js';
import { cleanUid } from '../dicom/uid.js';

/**
 * The de-identification engine: the profile of PS3.15 Annex E applied with a
 * tenant's keys. Knows nothing about files or HTTP; deid-stream.ts and the
 * de-identified view call it with datasets.
 */
export interface DeidOutcome {
  dataset: Dataset;
  attributesChanged: number;
  privateAttributesRemoved: number;
  burnedInAnnotationRisk: BurnedInReason[];
  /** The new SOP Instance UID, when the dataset has one. */
  sopInstanceUid?: string;
}

export class DeidEngine {
  private readonly pseudonymizers = new Map<string, Pseudonymizer>();

  constructor(private readonly secret: Buffer, readonly options: DeidOptions) {}

  /** Option names in config form, for audit records. */
  optionNames(): string[] {
    return enabledOptions(this.options).map((o) => OPTION_CONFIG_NAME[o]);
  }

  pseudonymizer(tenant: string): Pseudonymizer {
    let p = this.pseudonymizers.get(tenant);
    if (!p) this.pseudonymizers.set(tenant, (p = new Pseudonymizer(this.secret, tenant)));
    return p;
  }

  /** The de-identified form of one UID (same mapping as inside instances). */
  uid(tenant: string, original: string): string {
    return this.pseudonymizer(tenant).uid(original);
  }

  /**
   * De-identifies a top-level dataset (without File Meta). A dataset this
   * server already de-identified is returned as it is: its UIDs must not be
   * mapped a second time, or references stored at ingest would not resolve.
   */
  deidentify(tenant: string, ds: Dataset, opts: { addMethod?: boolean } = {}): DeidOutcome {
    if (isDeidentifiedByUs(ds)) {
      return { dataset: ds, attributesChanged: 0, privateAttributesRemoved: 0, burnedInAnnotationRisk: burnedInRisk(ds), sopInstanceUid: sopUid(ds) };
    }
    const pseudo = this.pseudonymizer(tenant);
    const run: DeidRun = { options: this.options, pseudo, patient: this.patientOf(ds, pseudo), changed: 0, privateRemoved: 0 };
    const out = deidentifyDataset(ds, run);
    if (opts.addMethod !== false) Object.assign(out, methodAttributes(this.options, ds));
    return {
      dataset: out,
      attributesChanged: run.changed,
      privateAttributesRemoved: run.privateRemoved,
      burnedInAnnotationRisk: burnedInRisk(ds),
      sopInstanceUid: sopUid(out),
    };
  }

  private patientOf(ds: Dataset, pseudo: Pseudonymizer): PatientReplacement | undefined {
    const key = patientKeyOf({
      id: text(ds, '00100020'),
      issuer: text(ds, '00100021'),
      name: text(ds, '00100010'),
      birthDate: text(ds, '00100030'),
    });
    if (!key) return undefined;
    return { ...patientPseudonyms(pseudo.patientCode(key)), shiftDays: pseudo.dateShiftDays(key) };
  }
}

function text(ds: Dataset, tag: string): string | undefined {
  const v = ds[tag]?.Value?.[0];
  const s = v && typeof v === 'object' ? (v as { Alphabetic?: string }).Alphabetic : v;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
}

function sopUid(ds: Dataset): string | undefined {
  const el = ds['00080018'];
  return cleanUid((Array.isArray(el?._rawValue) ? el._rawValue[0] : undefined) ?? el?.Value?.[0]);
}
