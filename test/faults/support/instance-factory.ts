import { createHash, randomBytes } from 'node:crypto';
import { syntheticInstance } from '../../fixtures/synthetic-dicom.js';

/**
 * Many distinct, valid PS3.10 instances, cheaply: a few templates are built
 * once with dcmjs, with placeholder UIDs of fixed length; each new instance
 * is a copy with fresh random digits written over the placeholders (and over
 * a few pixel bytes). No dcmjs work per instance, so a test or benchmark
 * client spends its CPU sending, not encoding.
 */
const PLACEHOLDER = { study: uidOf('1'), series: uidOf('2'), sop: uidOf('3') };

function uidOf(digit: string): string {
  return `2.25.${digit.repeat(39)}`; // 44 characters: even, so no padding byte
}

export interface Made {
  bytes: Buffer;
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  sha256: string;
}

interface Template {
  bytes: Buffer;
  offsets: { study: number[]; series: number[]; sop: number[] };
  pixelStart: number;
}

export interface TemplateSpec {
  rows: number;
  columns: number;
  modality?: 'CT' | 'MR' | 'PT';
  attrs?: Record<string, unknown>;
}

export class InstanceFactory {
  private readonly templates: Template[];

  constructor(specs: TemplateSpec[]) {
    this.templates = specs.map((s) => template(s));
  }

  get count(): number {
    return this.templates.length;
  }

  /** A new instance from template `i`, in the given study/series (fresh ones when absent). */
  make(i: number, ids: { studyUid?: string; seriesUid?: string } = {}): Made {
    const t = this.templates[i % this.templates.length];
    const bytes = Buffer.from(t.bytes);
    const studyUid = ids.studyUid ?? randomUid();
    const seriesUid = ids.seriesUid ?? randomUid();
    const sopUid = randomUid();
    for (const u of [studyUid, seriesUid]) if (u.length !== sopUid.length) throw new Error(`UIDs here must have ${sopUid.length} characters (use randomUid())`);
    for (const at of t.offsets.study) bytes.write(studyUid, at, 'latin1');
    for (const at of t.offsets.series) bytes.write(seriesUid, at, 'latin1');
    for (const at of t.offsets.sop) bytes.write(sopUid, at, 'latin1');
    randomBytes(16).copy(bytes, t.pixelStart); // different pixels too
    return { bytes, studyUid, seriesUid, sopUid, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
}

/** A UID of the placeholders' length: "2.25." and 39 digits, no leading zero. */
export function randomUid(): string {
  const digits = randomBytes(39).map((b) => 48 + (b % 10));
  digits[0] = 49 + (digits[0] % 9);
  return `2.25.${Buffer.from(digits).toString('latin1')}`;
}

function template(s: TemplateSpec): Template {
  const bytes = syntheticInstance({
    rows: s.rows, columns: s.columns, modality: s.modality ?? 'CT', attrs: s.attrs,
    studyUid: PLACEHOLDER.study, seriesUid: PLACEHOLDER.series, sopUid: PLACEHOLDER.sop,
  });
  const find = (uid: string) => {
    const out: number[] = [];
    for (let at = bytes.indexOf(uid); at >= 0; at = bytes.indexOf(uid, at + 1)) out.push(at);
    if (out.length === 0) throw new Error(`placeholder ${uid} not found`);
    return out;
  };
  const pixel = bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
  return { bytes, offsets: { study: find(PLACEHOLDER.study), series: find(PLACEHOLDER.series), sop: find(PLACEHOLDER.sop) }, pixelStart: pixel + 12 };
}
