/**
 * Content item classification (spec 5.5): section = nearest recognised ancestor
 * CONTAINER, item = own concept. Headings are recognised by their current LOINC codes
 * and by the retired DCM codes (PS3.16 CID 7001; retired codes still occur in the wild).
 */
import { isConcept } from '../coding.js';
import type { SrNode } from './content-tree.js';
import type { SrDocumentKind } from './document.js';

export type ItemKind =
  | 'group' | 'measurement' | 'qualitative' | 'derived' | 'finding' | 'impression'
  | 'coded-diagnosis' | 'recommendation' | 'addendum' | 'generic' | 'none';

type Section =
  | 'group' | 'qualitative' | 'derived' | 'findings' | 'impressions' | 'recommendations' | 'addendum' | 'context' | 'container';

const C = {
  measurementGroup: ['DCM:125007'],
  imagingMeasurements: ['DCM:126010'],
  qualitativeEvaluations: ['UMLS:C0034375'],
  derivedMeasurements: ['DCM:126011'],
  imageLibrary: ['DCM:111028'],
  findings: ['DCM:121070', 'LN:59776-5', 'LN:18782-3'],
  impressions: ['DCM:121072', 'LN:19005-8', 'DCM:121076', 'LN:55110-1'],
  recommendations: ['DCM:121074', 'LN:18783-1'],
  addendum: ['DCM:121078', 'LN:55107-7'],
  // Other CID 7001 headings: History, Request, Current/Prior Procedure Descriptions, Previous
  // Findings, Indications, Patient Presentation, Summary, Complications, Key Images.
  context: [
    'DCM:121060', 'LN:11329-0', 'DCM:121062', 'LN:55115-0', 'DCM:121064', 'LN:55111-9', 'DCM:121066', 'LN:55114-3',
    'DCM:121068', 'LN:18834-2', 'DCM:121109', 'LN:18785-6', 'DCM:121110', 'LN:55108-5', 'DCM:121111', 'LN:55112-7',
    'DCM:121113', 'LN:55109-3', 'DCM:121180', 'LN:55113-5',
  ],
  finding: ['DCM:121071', 'DCM:121069'],
  impression: ['DCM:121073', 'DCM:121077'],
  recommendation: ['DCM:121075'],
  // Group items that are fields of the group Observation, not evaluations (spec 5.5 row 4).
  groupFields: [
    'DCM:121071', 'SCT:276214006', 'SCT:363698007', 'SCT:370129005', 'DCM:112039', 'DCM:112040',
    'UMLS:C2348792', 'NCIT:C67447', 'DCM:126100', 'DCM:121058',
  ],
} as const;

/** Relationships that qualify the parent instead of standing on their own (spec 5.4). */
const QUALIFIERS = new Set(['HAS OBS CONTEXT', 'HAS CONCEPT MOD', 'HAS ACQ CONTEXT', 'HAS PROPERTIES', 'SELECTED FROM']);
const VALUE_TYPES = new Set(['NUM', 'CODE', 'TEXT']);

function sectionOf(container: SrNode): Section | undefined {
  const c = container.concept;
  if (isConcept(c, ...C.measurementGroup)) return 'group';
  if (isConcept(c, ...C.qualitativeEvaluations)) return 'qualitative';
  if (isConcept(c, ...C.derivedMeasurements)) return 'derived';
  if (isConcept(c, ...C.findings)) return 'findings';
  if (isConcept(c, ...C.impressions)) return 'impressions';
  if (isConcept(c, ...C.recommendations)) return 'recommendations';
  if (isConcept(c, ...C.addendum)) return 'addendum';
  if (isConcept(c, ...C.context, ...C.imageLibrary)) return 'context';
  if (isConcept(c, ...C.imagingMeasurements)) return 'container';
  return undefined;
}

/** Nearest ancestor CONTAINER with a recognised concept; unnamed/unknown containers are transparent. */
export function nearestSection(node: SrNode): { section: Section; container: SrNode } | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.vt !== 'CONTAINER') continue;
    const section = sectionOf(p);
    if (section) return { section, container: p };
  }
  return undefined;
}

/** True when any by-value ancestor relationship is a qualifier (e.g. items under a HAS CONCEPT MOD). */
function underQualifier(node: SrNode): boolean {
  for (let n: SrNode | undefined = node; n?.parent; n = n.parent) if (QUALIFIERS.has(n.rel ?? '')) return true;
  return false;
}

function inGroup(node: SrNode): ItemKind {
  if (node.vt === 'NUM') return 'measurement';
  if (node.vt === 'CODE' || node.vt === 'TEXT') return isConcept(node.concept, ...C.groupFields) ? 'none' : 'qualitative';
  return 'none';
}

function byItemConcept(node: SrNode, diagnosisConcepts: string[]): ItemKind | undefined {
  if (isConcept(node.concept, ...C.impression)) return 'impression';
  if (isConcept(node.concept, ...diagnosisConcepts)) return node.vt === 'CODE' ? 'coded-diagnosis' : 'impression';
  if (isConcept(node.concept, ...C.finding)) return node.vt === 'NUM' ? 'measurement' : 'finding';
  if (isConcept(node.concept, ...C.recommendation)) return 'recommendation';
  return undefined;
}

const SECTION_KIND: Partial<Record<Section, ItemKind>> = {
  findings: 'finding', impressions: 'impression', recommendations: 'recommendation', addendum: 'addendum',
};

/** Classifies one content item; the root is never an item. */
export function classify(node: SrNode, docKind: SrDocumentKind, diagnosisConcepts: string[]): ItemKind {
  if (!node.parent || docKind === 'kos' || docKind === 'index-only') return 'none';
  if (underQualifier(node)) return 'none';
  const near = nearestSection(node);
  if (near?.section === 'context') return 'none';
  if (node.vt === 'CONTAINER') return isConcept(node.concept, ...C.measurementGroup) ? 'group' : 'none';
  if (!VALUE_TYPES.has(node.vt)) return 'none';
  if (near?.section === 'group' && near.container === node.parent) {
    // Items of a group that is itself suppressed (e.g. inside a context heading) are suppressed too.
    return classify(near.container, docKind, diagnosisConcepts) === 'group' ? inGroup(node) : 'none';
  }
  if (near?.section === 'qualitative') return node.vt === 'NUM' ? 'measurement' : 'qualitative';
  if (near?.section === 'derived') return node.vt === 'NUM' ? 'derived' : 'qualitative';
  const own = byItemConcept(node, diagnosisConcepts);
  if (own) return own;
  const fromSection = near ? SECTION_KIND[near.section] : undefined;
  if (fromSection) return node.vt === 'NUM' && fromSection === 'finding' ? 'measurement' : fromSection;
  return node.vt === 'NUM' ? 'measurement' : 'generic';
}

/** Kinds that become an Observation of their own. */
export const OBSERVATION_KINDS: ReadonlySet<ItemKind> = new Set([
  'group', 'measurement', 'qualitative', 'derived', 'finding', 'recommendation', 'generic',
]);
