/**
 * Observation context (TID 1001-1005, spec 5.3/5.4): HAS OBS CONTEXT children apply to
 * their parent's whole subtree, the nearest definition wins, and Observation DateTime
 * (0040,A032) overrides the header date for the subtree.
 */
import { isConcept } from '../coding.js';
import { str } from '../dicom-json.js';
import { TAG } from '../tags.js';
import type { SrNode, SrTree } from './content-tree.js';
import { codeValue, personNameValue, textValue, uidValue } from './content-value.js';

export interface DeviceObserver {
  uid?: string;
  name?: string;
  manufacturer?: string;
  model?: string;
  serial?: string;
}

export interface ObsContext {
  /** Person Observer Name (121008), raw PN (or TEXT as some writers use). */
  person?: string;
  device?: DeviceObserver;
  /** Subject Class (121024) other than Patient: the subtree is not about the patient. */
  nonPatientSubject?: boolean;
  /** Raw DT from (0040,A032) of the node or an ancestor. */
  obsDateTime?: string;
  trackingId?: string;
  trackingUid?: string;
}

const DEVICE_FIELDS: Array<[string, keyof DeviceObserver]> = [
  ['DCM:121012', 'uid'], ['DCM:121013', 'name'], ['DCM:121014', 'manufacturer'], ['DCM:121015', 'model'], ['DCM:121016', 'serial'],
];

const stringValue = (n: SrNode): string | undefined =>
  n.vt === 'UIDREF' ? uidValue(n) : n.vt === 'PNAME' ? personNameValue(n) : textValue(n);

function ownContext(node: SrNode): ObsContext {
  const own: ObsContext = {};
  const device: DeviceObserver = {};
  for (const c of node.children.filter((x) => x.rel === 'HAS OBS CONTEXT')) {
    if (isConcept(c.concept, 'DCM:121008')) own.person = stringValue(c);
    else if (isConcept(c.concept, 'DCM:112039')) own.trackingId = textValue(c);
    else if (isConcept(c.concept, 'DCM:112040')) own.trackingUid = uidValue(c);
    else if (isConcept(c.concept, 'DCM:121024')) own.nonPatientSubject = !isConcept(codeValue(c), 'DCM:121025');
    for (const [key, field] of DEVICE_FIELDS) if (isConcept(c.concept, key)) device[field] = stringValue(c);
  }
  if (Object.keys(device).length > 0) own.device = device;
  const dt = str(node.item, TAG.ObservationDateTime);
  if (dt) own.obsDateTime = dt;
  return own;
}

/** Context in effect at every node (keyed by path). */
export function computeContexts(tree: SrTree): Map<string, ObsContext> {
  const out = new Map<string, ObsContext>();
  for (const node of tree.nodes) {
    const inherited = node.parent ? out.get(node.parent.path) ?? {} : {};
    const own = ownContext(node);
    out.set(node.path, {
      ...inherited,
      ...Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)),
      nonPatientSubject: inherited.nonPatientSubject || own.nonPatientSubject,
    });
  }
  return out;
}
