// Writes the model's instances as PS3.10 files into a directory, once, before
// any timing starts: building a 512 KB CT with dcmjs costs ~10 ms of CPU, and
// doing that during the STOW phase would steal a core from the server being
// measured. A directory can be reused by later runs (--dataset-dir).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gradient, syntheticInstance } from '../test/fixtures/synthetic-dicom.js';
import type { Dataset } from './dataset.js';

/** Bump when the generated content changes, so stale directories are regenerated. */
const FORMAT_VERSION = 1;

export interface DatasetFiles {
  dir: string;
  path(i: number): string;
  totalBytes: number;
}

/** The DICOM attributes of instance `i` in naturalized (dcmjs keyword) form. */
export function instanceAttrs(ds: Dataset, i: number): Record<string, unknown> {
  const { study, series, number } = ds.locate(i);
  const p = study.patient;
  const ct = series.modality === 'CT';
  return {
    StudyDate: study.date,
    StudyTime: study.time,
    AccessionNumber: study.accession,
    StudyDescription: study.description,
    StudyID: String(study.index + 1),
    ReferringPhysicianName: 'House^Gregory',
    PatientName: p.name,
    PatientID: p.id,
    PatientBirthDate: p.birthDate,
    PatientSex: p.sex,
    Manufacturer: study.manufacturer,
    ManufacturerModelName: study.model,
    InstitutionName: 'Bench General Hospital',
    SeriesDate: study.date,
    SeriesTime: study.time,
    SeriesNumber: String(series.number),
    SeriesDescription: series.description,
    BodyPartExamined: study.bodyPart,
    ProtocolName: `${series.modality} ${study.bodyPart}`,
    InstanceNumber: String(number),
    ContentDate: study.date,
    ContentTime: study.time,
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    PatientPosition: 'HFS',
    ImagePositionPatient: [-250, -250, -5 * number],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    PixelSpacing: [0.9765625, 0.9765625],
    SliceThickness: ct ? '5' : '3',
    // 12 stored bits as CT scanners send them; the gradient stays below 4096.
    BitsStored: 12,
    HighBit: 11,
    ...(ct ? { RescaleIntercept: '-1024', RescaleSlope: '1', WindowCenter: '40', WindowWidth: '400', KVP: '120' } : {}),
  };
}

/** Generates the files unless `dir` already holds this exact dataset; returns their locations. */
export function writeDataset(ds: Dataset, dir: string, log: (msg: string) => void): DatasetFiles {
  const manifestPath = join(dir, 'manifest.json');
  const wanted = { version: FORMAT_VERSION, n: ds.n, seed: ds.seed };
  const path = (i: number) => join(dir, `${String(i).padStart(6, '0')}.dcm`);
  if (existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (m.version === wanted.version && m.n === wanted.n && m.seed === wanted.seed) {
      log(`reusing dataset in ${dir} (${(m.totalBytes / 1e6).toFixed(0)} MB)`);
      return { dir, path, totalBytes: m.totalBytes };
    }
  }
  mkdirSync(dir, { recursive: true });
  const pixels = new Map<number, Buffer>(); // one gradient per matrix size, shared by all instances
  const started = Date.now();
  let totalBytes = 0;
  let nextReport = 0.1;
  for (let i = 0; i < ds.n; i++) {
    const { study, series } = ds.locate(i);
    if (!pixels.has(series.rows)) pixels.set(series.rows, gradient(series.rows, series.columns));
    const file = syntheticInstance({
      studyUid: study.uid,
      seriesUid: series.uid,
      sopUid: ds.sopUid(i),
      modality: series.modality,
      rows: series.rows,
      columns: series.columns,
      pixels: pixels.get(series.rows),
      attrs: instanceAttrs(ds, i),
    });
    writeFileSync(path(i), file);
    totalBytes += file.length;
    if ((i + 1) / ds.n >= nextReport) {
      log(`generated ${i + 1}/${ds.n} instances (${(totalBytes / 1e6).toFixed(0)} MB, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
      nextReport += 0.1;
    }
  }
  // Written last: a directory without a manifest is an interrupted generation.
  writeFileSync(manifestPath, JSON.stringify({ ...wanted, totalBytes, studies: ds.studies.length }, null, 2));
  return { dir, path, totalBytes };
}

/** The synthetic multi-frame instance the retrieve phases read single frames from. */
export interface MultiframeFile {
  path: string;
  bytes: number;
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  frames: number;
  rows: number;
  columns: number;
}

export const MULTIFRAME = { frames: 120, rows: 512, columns: 512 };

/**
 * One 120-frame 512×512 16-bit CT (≈63 MB, Explicit VR Little Endian) in its
 * own study, like an enhanced CT volume, written next to the dataset once.
 * Each frame differs (the gradient is shifted by the frame number) so no
 * server can answer every frame from one cached copy. It is stored after the
 * QIDO phase, so it never changes a query's expected count.
 */
export function writeMultiframe(ds: Dataset, dir: string, log: (msg: string) => void): MultiframeFile {
  const { frames, rows, columns } = MULTIFRAME;
  const uid = (k: string) => `2.25.${BigInt(`0x${createHash('sha256').update(`${ds.seed}|multiframe|${k}`).digest('hex').slice(0, 30)}`)}`;
  const spec = { studyUid: uid('study'), seriesUid: uid('series'), sopUid: uid('sop'), frames, rows, columns };
  const path = join(dir, `multiframe-v${FORMAT_VERSION}-${frames}x${rows}x${columns}.dcm`);
  if (existsSync(path)) return { ...spec, path, bytes: statSync(path).size };
  mkdirSync(dir, { recursive: true });
  const frameBytes = rows * columns * 2;
  const pixels = Buffer.alloc(frameBytes * frames);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < rows * columns; i++) pixels.writeUInt16LE(((i + f * 97) * 7) % 4096, f * frameBytes + i * 2);
  }
  const file = syntheticInstance({
    studyUid: spec.studyUid, seriesUid: spec.seriesUid, sopUid: spec.sopUid, modality: 'CT', rows, columns, pixels,
    attrs: {
      PatientName: 'MULTIFRAME^BENCH', PatientID: 'PIDMF', StudyDescription: 'CT multi-frame volume', SeriesDescription: 'Axial volume',
      NumberOfFrames: String(frames), BitsStored: 12, HighBit: 11, RescaleIntercept: '-1024', RescaleSlope: '1', WindowCenter: '40', WindowWidth: '400',
    },
  });
  // Written under a temporary name first: a file that exists is a complete one.
  writeFileSync(`${path}.tmp`, file);
  renameSync(`${path}.tmp`, path);
  log(`generated multi-frame instance: ${frames} frames of ${rows}×${columns} (${(file.length / 1e6).toFixed(0)} MB)`);
  return { ...spec, path, bytes: file.length };
}
