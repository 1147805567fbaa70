/**
 * Cross-check against an independent implementation: the PyPI package
 * `deid` (pydicom/deid, default recipe, private tags removed) on the same
 * corpus files as our Basic Profile (no options).
 *
 * The two do not implement the same rules (deid's default recipe is a
 * pattern list: every *Date/*Time, every *UID, every *ID…; ours is PS3.15
 * Table E.1-1), so the test asserts what must hold between them and writes
 * the differences to test-artifacts/deid-reference-diff.json:
 * - for every attribute that Table E.1-1 says to remove or replace, if deid
 *   removes or changes it, so do we (we are never laxer on the standard's list);
 * - every attribute deid keeps but we change is one of the table's, or a
 *   person name / date / instance UID our stricter rules cover.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keywordOf } from '../../dicom/dictionary.js';
import { DeidEngine } from '../../deid/engine.js';
import { tableRow } from '../../deid/profile/resolve-action.js';
import { CORPUS_DIR, corpusManifest } from '../helpers/corpus.js';
import { PYTHON, deidentifyFile, elementsByPath, pydicomDump, type Dump } from './helpers.js';

const HERE = new URL('.', import.meta.url).pathname;
const REPORT = new URL('../../test-artifacts/deid-reference-diff.json', import.meta.url).pathname;
const REMOVES_OR_REPLACES = new Set(['X', 'Z', 'D', 'U', 'X/Z', 'X/D', 'Z/D', 'X/Z/D']);
/** An original that already holds the dummy we would write looks unchanged: not a leak. */
const DUMMIES = new Set(['ANONYMIZED', '19000101', '000000', '19000101000000']);

interface Reference {
  path: string;
  error?: string;
  removed?: string[];
  changed?: string[];
}

let dir: string;
const files = corpusManifest().map((e) => e.path);
const ours = new Map<string, Dump>();
const originals = new Map<string, Dump>();
const reference = new Map<string, Reference>();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deid-ref-'));
  const engine = new DeidEngine(Buffer.from('reference-test'), {});
  const done: string[] = [];
  for (const f of files) {
    try {
      await deidentifyFile(engine, 't', CORPUS_DIR + f, join(dir, f.replace(/\//g, '__')));
      done.push(f);
    } catch {
      /* refused by ours: covered by deid-corpus.test.ts */
    }
  }
  const dumps = pydicomDump(done.map((f) => join(dir, f.replace(/\//g, '__'))));
  for (const f of done) ours.set(f, dumps.get(join(dir, f.replace(/\//g, '__')))!);
  for (const [p, d] of pydicomDump(done.map((f) => CORPUS_DIR + f))) originals.set(p.slice(CORPUS_DIR.length), d);
  const out = execFileSync(PYTHON, [`${HERE}deid_reference.py`], {
    input: JSON.stringify(done.map((f) => CORPUS_DIR + f)), maxBuffer: 1 << 28, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'],
  });
  for (const r of JSON.parse(out) as Reference[]) reference.set(r.path.slice(CORPUS_DIR.length), r);
});
after(async () => rm(dir, { recursive: true, force: true }));

const tagOf = (path: string) => path.slice(-8);
const isPrivate = (tag: string) => parseInt(tag.slice(3, 4), 16) % 2 === 1;
const name = (tag: string) => keywordOf(tag) ?? tag;

test('deid (pydicom/deid) and ours: never laxer than deid on Table E.1-1; every difference explained', async (t) => {
  const laxer: string[] = [];
  const unexplained = new Set<string>();
  const onlyDeid = new Map<string, number>();
  const onlyOurs = new Map<string, number>();
  let compared = 0;
  for (const [f, ref] of reference) {
    if (ref.error) continue;
    const o = originals.get(f);
    const d = ours.get(f);
    if (!o?.elements || !d?.elements) continue;
    compared++;
    const now = elementsByPath(d);
    const vrAt = new Map(o.elements.map((e) => [e[0], e[2]]));
    const oursTouched = (path: string, value: string) => !now.has(path) || now.get(path)![3] !== value;
    const touchedByDeid = new Set([...(ref.removed ?? []), ...(ref.changed ?? [])]);
    for (const [path, tag, vr, value] of o.elements) {
      if (vr === 'SQ' || isPrivate(tag)) continue;
      const byDeid = touchedByDeid.has(path);
      const byUs = oursTouched(path, value);
      const row = tableRow(tag);
      if (byDeid && !byUs) {
        if (row && REMOVES_OR_REPLACES.has(row[1]) && value !== '' && !DUMMIES.has(value)) laxer.push(`${f} ${path} (${name(tag)})`);
        onlyDeid.set(name(tag), (onlyDeid.get(name(tag)) ?? 0) + 1);
      } else if (byUs && !byDeid) {
        onlyOurs.set(name(tag), (onlyOurs.get(name(tag)) ?? 0) + 1);
        if (!explained(path, tag, vr, value, vrAt) && !insideUnSequence(f, path)) unexplained.add(`${f} ${path} (${name(tag)})`);
      }
    }
  }
  const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
  await mkdir(join(REPORT, '..'), { recursive: true });
  await writeFile(REPORT, JSON.stringify({ compared, changedOnlyByDeid: sorted(onlyDeid), changedOnlyByUs: sorted(onlyOurs) }, null, 2));
  t.diagnostic(`compared ${compared} files; report: ${REPORT}`);
  t.diagnostic(`changed only by deid: ${Object.keys(sorted(onlyDeid)).slice(0, 25).join(', ')}`);
  t.diagnostic(`changed only by us: ${Object.keys(sorted(onlyOurs)).slice(0, 25).join(', ')}`);
  assert.ok(compared >= 100, `only ${compared} files compared`);
  assert.deepEqual(laxer, []);
  assert.deepEqual([...unexplained].slice(0, 20), []);
});

const SR_CONTENT = '0040A730[';
const METHOD = new Set(['00120062', '00120063', '00120064', '00280303', '00080005']);

/**
 * Why we may change what deid keeps: the table lists it (or a sequence
 * around it), or one of the stricter rules of deid/element-rules.ts applies,
 * or dcmjs could not decode the sequence around it (removed, never passed on).
 */
function explained(path: string, tag: string, vr: string, value: string, vrAt: Map<string, string>): boolean {
  if (tableRow(tag) || tag.endsWith('0000') || METHOD.has(tag)) return true;
  // An overlay group whose Overlay Data (X) went goes whole: Overlay Data is Type 1 (deid/deidentify-dataset.ts).
  if (/^60[01][0-9A-E]/.test(tag) && !path.includes('[') && vrAt.has(`${tag.slice(0, 4)}3000`)) return true;
  // dcmjs reads a zero-length binary number as 0 (see deid/README.md).
  if (value === '' && ['FL', 'FD', 'UL', 'US', 'SL', 'SS'].includes(vr)) return true;
  if (['PN', 'DA', 'DT'].includes(vr)) return true;
  if (vr === 'UI' && /InstanceUID|FrameOfReferenceUID|^AcquisitionUID|^PyramidUID/.test(name(tag))) return true;
  if (path.includes(SR_CONTENT) && ['ST', 'LT', 'UT', 'UC'].includes(vr)) return true;
  // An enclosing sequence the table acts on, or one read from UN.
  const ancestors = [...path.matchAll(/([0-9A-F]{8})\[\d+\]/g)].map((m) => ({ tag: m[1], at: path.slice(0, m.index! + 8) }));
  // An item with its own Specific Character Set: dcmjs decodes items with the dataset's (see deid/README.md).
  const ownCharset = [...path.matchAll(/\[\d+\]\./g)].some((m) => vrAt.has(`${path.slice(0, m.index! + m[0].length)}00080005`));
  return ownCharset || ancestors.some((a) => tableRow(a.tag) || isPrivate(a.tag) || vrAt.get(a.at) === 'UN');
}

const unSequences = new Map<string, Set<string>>();
/** True inside a top-level sequence the file encodes as UN (dcmdump's view; pydicom converts UN to SQ). */
function insideUnSequence(file: string, path: string): boolean {
  if (!unSequences.has(file)) {
    const dump = spawnSync('dcmdump', ['-q', CORPUS_DIR + file], { encoding: 'latin1', maxBuffer: 64 << 20 }).stdout ?? '';
    unSequences.set(file, new Set([...dump.matchAll(/^\((\w{4}),(\w{4})\) UN /gm)].map((m) => `${m[1]}${m[2]}`.toUpperCase())));
  }
  return unSequences.get(file)!.has(path.slice(0, 8)) && path.includes('[');
}
