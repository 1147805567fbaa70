import dcmjs from 'dcmjs';

/** PS3.6 data dictionary lookups, backed by the dictionary dcmjs generates from the standard. */
const { DicomMetaDictionary } = dcmjs.data;

interface DictEntry { tag: string; vr: string; name: string }

const byKeyword = DicomMetaDictionary.nameMap as Record<string, DictEntry>;
const byTag = DicomMetaDictionary.dictionary as Record<string, DictEntry>;

const HEX_TAG = /^[0-9A-Fa-f]{8}$/;

/** Resolves a QIDO attribute id (keyword or 8 hex digits) to an upper-case hex tag, or undefined. */
export function resolveTag(attributeId: string): string | undefined {
  if (HEX_TAG.test(attributeId)) return attributeId.toUpperCase();
  const entry = byKeyword[attributeId];
  if (!entry) return undefined;
  return entry.tag.replace(/[(),]/g, '').toUpperCase();
}

/** The VR of a tag from the dictionary ('UN' when unknown or ambiguous like 'US or SS'). */
export function vrOf(tag: string): string {
  const entry = byTag[`(${tag.slice(0, 4)},${tag.slice(4)})`.toUpperCase()];
  if (!entry || entry.vr.length !== 2) return 'UN';
  return entry.vr;
}

export function keywordOf(tag: string): string | undefined {
  return byTag[`(${tag.slice(0, 4)},${tag.slice(4)})`.toUpperCase()]?.name;
}
