import type { DicomDataset, PersonNameValue } from '../dicom/dicom-json.js';
import { keywordOf } from '../dicom/dictionary.js';

/** DICOM JSON → Native DICOM Model XML (PS3.19 §A.1), for Accept: application/dicom+xml. */
export function toNativeXml(ds: DicomDataset): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<NativeDicomModel xmlns="http://dicom.nema.org/PS3.19/models/NativeDICOM">${attributes(ds)}</NativeDicomModel>\n`;
}

function attributes(ds: DicomDataset): string {
  return Object.keys(ds)
    .sort()
    .map((tag) => {
      const el = ds[tag];
      const keyword = keywordOf(tag);
      const kw = keyword ? ` keyword="${keyword}"` : '';
      return `<DicomAttribute tag="${tag}" vr="${el.vr}"${kw}>${values(el.vr, el.Value ?? [])}</DicomAttribute>`;
    })
    .join('');
}

function values(vr: string, vals: unknown[]): string {
  return vals
    .map((v, i) => {
      const n = i + 1;
      if (vr === 'SQ') return `<Item number="${n}">${attributes(v as DicomDataset)}</Item>`;
      if (vr === 'PN') return `<PersonName number="${n}">${personName(v as PersonNameValue)}</PersonName>`;
      return `<Value number="${n}">${escapeXml(String(v))}</Value>`;
    })
    .join('');
}

const PN_PARTS = ['FamilyName', 'GivenName', 'MiddleName', 'NamePrefix', 'NameSuffix'];

function personName(pn: PersonNameValue): string {
  return (['Alphabetic', 'Ideographic', 'Phonetic'] as const)
    .filter((g) => pn?.[g])
    .map((g) => {
      const parts = String(pn[g]).split('^');
      const inner = parts.map((p, i) => (p && PN_PARTS[i] ? `<${PN_PARTS[i]}>${escapeXml(p)}</${PN_PARTS[i]}>` : '')).join('');
      return `<${g}>${inner}</${g}>`;
    })
    .join('');
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
