// What the load clients do: STOW new instances into a growing archive, and
// QIDO / WADO against what was stored. Instances come from templates with
// fresh UIDs (test/faults/support/instance-factory.ts): no dcmjs work per
// request, so the client's CPU goes to sending.
import { InstanceFactory, randomUid as uid } from '../../test/faults/support/instance-factory.js';
import { STOW_TYPE, multipartBody } from '../../test/helpers/multipart.js';
import type { HttpClient, HttpResult } from '../http.js';

export type Op = 'stow' | 'qido' | 'wado';

const PATIENTS = [
  { PatientName: 'DOE^JOHN', PatientID: 'P1', StudyDate: '20240115', Modality: 'CT' },
  { PatientName: 'Müller^Jörg', PatientID: 'P2', StudyDate: '20230301', Modality: 'MR' },
  { PatientName: 'Smith^Anna', PatientID: 'P3', StudyDate: '20221231', Modality: 'CT' },
  { PatientName: 'NÚÑEZ^Pilar', PatientID: 'P4', StudyDate: '20200704', Modality: 'MR' },
  { PatientName: 'Tanaka^Ken', PatientID: 'P5', StudyDate: '20190520', Modality: 'CT' },
  { PatientName: 'Okafor^Ada', PatientID: 'P6', StudyDate: '20181111', Modality: 'MR' },
] as const;
/** Pixel sizes: 8 KiB, 128 KiB, 512 KiB; small ones most often. */
const SIZES = [64, 256, 512];
const SIZE_WEIGHTS = [5, 3, 1];

interface Known {
  studyUid: string;
  seriesUid: string;
  sopUid: string;
}

export class Workload {
  private readonly factory = new InstanceFactory(
    PATIENTS.flatMap((p) => SIZES.map((n) => ({
      rows: n, columns: n, modality: p.Modality,
      attrs: { PatientName: p.PatientName, PatientID: p.PatientID, StudyDate: p.StudyDate, StudyDescription: `${p.Modality} load test` },
    }))),
  );
  /** Stored instances, for QIDO and WADO targets (bounded: a reservoir). */
  private readonly known: Known[] = [];
  private readonly openStudies: Array<{ studyUid: string; seriesUid: string; patient: number }> = [];
  stored = 0;
  wadoAvailable = false;

  constructor(private readonly http: HttpClient) {}

  async run(op: Op): Promise<HttpResult> {
    if (op === 'stow') return this.stow();
    if (op === 'wado') return this.wado();
    return this.qido();
  }

  private async stow(): Promise<HttpResult> {
    if (this.openStudies.length < 20 || Math.random() < 0.1) {
      const patient = Math.floor(Math.random() * PATIENTS.length);
      this.openStudies.push({ studyUid: uid(), seriesUid: uid(), patient });
      if (this.openStudies.length > 40) this.openStudies.shift();
    }
    const study = this.openStudies[Math.floor(Math.random() * this.openStudies.length)];
    if (Math.random() < 0.1) study.seriesUid = uid();
    const made = Array.from({ length: 1 + Math.floor(Math.random() * 4) }, () => {
      const template = study.patient * SIZES.length + weighted(SIZE_WEIGHTS);
      return this.factory.make(template, { studyUid: study.studyUid, seriesUid: study.seriesUid });
    });
    const res = await this.http.post('studies', multipartBody(made.map((m) => m.bytes)), { 'content-type': STOW_TYPE, accept: 'application/dicom+json' });
    if (res.status === 200) {
      this.stored += made.length;
      for (const m of made) this.remember({ studyUid: m.studyUid, seriesUid: m.seriesUid, sopUid: m.sopUid });
    }
    return res;
  }

  private qido(): Promise<HttpResult> {
    const k = this.pickKnown();
    const p = PATIENTS[Math.floor(Math.random() * PATIENTS.length)];
    const queries = [
      `studies?PatientName=${encodeURIComponent(p.PatientName.slice(0, 3).toLowerCase())}*&limit=20`,
      `studies?StudyDate=${p.StudyDate.slice(0, 4)}0101-${p.StudyDate.slice(0, 4)}1231&limit=20`,
      `studies?ModalitiesInStudy=${p.Modality}&limit=50&offset=${Math.floor(Math.random() * 100)}`,
      `studies?PatientID=${p.PatientID}&includefield=all&limit=10`,
      ...(k ? [`studies?StudyInstanceUID=${k.studyUid}`, `studies/${k.studyUid}/series`, `studies/${k.studyUid}/series/${k.seriesUid}/instances`, `instances?SOPInstanceUID=${k.sopUid}`] : []),
    ];
    return this.http.get(queries[Math.floor(Math.random() * queries.length)], { accept: 'application/dicom+json' });
  }

  private wado(): Promise<HttpResult> {
    const k = this.pickKnown();
    if (!k) return this.qido();
    const base = `studies/${k.studyUid}/series/${k.seriesUid}/instances/${k.sopUid}`;
    return Math.random() < 0.5
      ? this.http.get(base, { accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' })
      : this.http.get(`${base}/metadata`, { accept: 'application/dicom+json' });
  }

  /** Whether WADO-RS answers for a stored instance (it may not be mounted in this build). */
  async probeWado(): Promise<boolean> {
    const k = this.pickKnown();
    if (!k) return false;
    const res = await this.http.get(`studies/${k.studyUid}/series/${k.seriesUid}/instances/${k.sopUid}/metadata`, { accept: 'application/dicom+json' });
    this.wadoAvailable = res.status === 200;
    return this.wadoAvailable;
  }

  private remember(k: Known): void {
    if (this.known.length < 5000) this.known.push(k);
    else this.known[Math.floor(Math.random() * this.known.length)] = k;
  }

  private pickKnown(): Known | undefined {
    return this.known.length ? this.known[Math.floor(Math.random() * this.known.length)] : undefined;
  }
}

function weighted(weights: number[]): number {
  let x = Math.random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) if ((x -= weights[i]) < 0) return i;
  return weights.length - 1;
}
