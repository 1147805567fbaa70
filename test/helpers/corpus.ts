import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** The shared DICOM corpus, read in place (never copied into the project). */
export const CORPUS_DIR = new URL('../../../shared/corpus/', import.meta.url).pathname;

export interface CorpusEntry {
  path: string;
  folder: string;
  sopClass: string;
  transferSyntax: string;
  notes: string;
}

/** Rows of MANIFEST.tsv (one per DICOM file). */
export function corpusManifest(): CorpusEntry[] {
  const [header, ...rows] = readFileSync(`${CORPUS_DIR}MANIFEST.tsv`, 'utf8').trim().split('\n');
  const cols = header.split('\t');
  const at = (r: string[], name: string) => r[cols.indexOf(name)] ?? '';
  return rows.map((line) => {
    const r = line.split('\t');
    const path = at(r, 'path');
    return { path, folder: path.split('/')[0], sopClass: at(r, 'sop_class'), transferSyntax: at(r, 'transfer_syntax'), notes: at(r, 'notes') };
  });
}

/**
 * UIDs as dcmtk's dcmdump reads them: an independent reader to check our
 * parser against. Missing attributes are absent from the result.
 */
export function dcmdumpUids(file: string): Record<string, string> {
  let out = '';
  try {
    // +uc: read UN-encoded standard attributes with their real VR; +L: whole values.
    out = execFileSync('dcmdump', ['-q', '+uc', '+L', file], { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 });
  } catch (e: any) {
    out = String(e.stdout ?? '');
  }
  const names: Record<string, string> = { '0008,0018': 'SOPInstanceUID', '0008,0016': 'SOPClassUID', '0020,000d': 'StudyInstanceUID', '0020,000e': 'SeriesInstanceUID' };
  const found: Record<string, string> = {};
  // Top-level lines only: nested items are indented.
  for (const m of out.matchAll(/^\((\w{4},\w{4})\) UI \[([^\]]*)\]/gm)) {
    const name = names[m[1].toLowerCase()];
    if (name) found[name] = m[2].replace(/\0/g, '').trim();
  }
  return found;
}
