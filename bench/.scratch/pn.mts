import { mkdtempSync, readFileSync } from 'node:fs';
import { startOrthanc } from '../orthanc.ts';
import { Dataset } from '../dataset.ts';
import { HttpClient } from '../http.ts';
import { multipartBody, STOW_TYPE } from '../../test/helpers/multipart.ts';
const ds = new Dataset(2000, 'bench');
const sel = ds.studies.filter((s) => /ü|ú/i.test(s.patient.name));
console.log(sel.map((s) => s.patient.name));
const o = await startOrthanc(mkdtempSync('/tmp/bx/w-'));
try {
  const c = new HttpClient(o.dicomwebUrl, 1);
  for (const s of sel) {
    const i = s.series[0].firstIndex;
    const r = await c.post('studies', multipartBody([readFileSync(`/tmp/bx/ds-2000/${String(i).padStart(6, '0')}.dcm`)]), { 'content-type': STOW_TYPE });
    if (r.status !== 200) console.log(r.status);
  }
  for (const q of ['*núñez*', '*Núñez*', '*NÚÑEZ*', '*nunez*', '*NUNEZ*', '*müller*', '*Müller*', '*MÜLLER*', '*muller*', 'Müller*', '*ller*', '*ez*', 'N*']) {
    const r = await c.get(`studies?PatientName=${encodeURIComponent(q)}`);
    console.log(q, JSON.parse(r.body.toString()).map((x: any) => x['00100010'].Value[0].Alphabetic).join(' | '));
  }
  c.close();
} finally { await o.stop(); }
