import { mkdtempSync } from 'node:fs';
import { startOrthanc } from '../orthanc.ts';
import { startOurServer } from '../server.ts';
import { Dataset } from '../dataset.ts';
import { writeDataset } from '../dataset-files.ts';
import { HttpClient } from '../http.ts';
import { multipartBody, STOW_TYPE } from '../../test/helpers/multipart.ts';
import { readFileSync } from 'node:fs';
const work = mkdtempSync('/tmp/bx/w-');
const ds = new Dataset(200, 'bench');
const files = writeDataset(ds, '/tmp/bx/ds200', console.log);
const o = await startOrthanc(work);
const s = await startOurServer(work, 'embedded', 'warn');
try {
  for (const t of [o, s]) {
    const c = new HttpClient(t.dicomwebUrl, 4);
    for (let i = 0; i < 200; i++) {
      const r = await c.post('studies', multipartBody([readFileSync(files.path(i))]), { 'content-type': STOW_TYPE, accept: 'application/dicom+json' });
      if (r.status !== 200) console.log(t.name, i, r.status, r.body.toString().slice(0, 300));
    }
    const st = ds.studies;
    const qs = [
      `studies?PatientName=*doe*`, `studies?PatientName=*DOE*`, `studies?PatientName=*müller*`, `studies?PatientName=*muller*`, `studies?PatientName=*MÜLLER*`,
      `studies?StudyInstanceUID=${st[0].uid},${st[1].uid}`, `studies?StudyInstanceUID=${st[0].uid}%5C${st[1].uid}`,
      `studies?ModalitiesInStudy=MR`, `studies?ModalitiesInStudy=PT`, `studies?ModalitiesInStudy=CT`, `studies?Manufacturer=siemens`, `studies?Manufacturer=SIEMENS`,
      `studies/${st[0].uid}/series?includefield=0008103E%2C00080021`,
      `studies?limit=101&offset=0&fuzzymatching=false&includefield=00081030%2C00080060&StudyDate=20150101-20251231`,
    ];
    for (const q of qs) {
      const r = await c.get(q, { accept: 'application/dicom+json' });
      let n: any = r.body.length ? JSON.parse(r.body.toString()) : [];
      console.log(t.name, q.slice(0, 80), r.status, Array.isArray(n) ? n.length : JSON.stringify(n).slice(0, 200));
      if (q.includes('series?')) console.log(JSON.stringify(n[0]));
    }
    c.close();
  }
  console.log(ds.studies.map(s => s.patient.name + ' ' + ds.modalities(s).join('/')).join('\n'));
} finally { await o.stop(); await s.stop(); }
