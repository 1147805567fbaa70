/**
 * SR content tree walk (spec 5.3). Paths are the (0040,DB73) form: root `1`, the k-th
 * item of the Content Sequence of `p` is `p.k` (PS3.3 C.17.3.2.5). By-reference items
 * are recorded as edges and resolved in a second pass, never recursed into, so a
 * malicious or cyclic document cannot loop.
 */
import { type DicomCode, type DicomDataset, code, codeSeq, nums, seq } from '../dicom-json.js';
import type { Issues } from '../issues.js';
import { TAG } from '../tags.js';

export const MAX_DEPTH = 64;
export const MAX_ITEMS = 50_000;

export interface SrRef {
  rel: string;
  targetPath: string;
  target?: SrNode;
}

export interface SrNode {
  path: string;
  /** Relationship Type (0040,A010) to the parent; undefined for the root. */
  rel?: string;
  vt: string;
  /** Concept Name Code Sequence (0040,A043); absent on e.g. SELECTED FROM targets. */
  concept?: DicomCode;
  item: DicomDataset;
  parent?: SrNode;
  /** By-value children in document order. */
  children: SrNode[];
  /** By-reference relationships starting at this node. */
  refs: SrRef[];
}

export interface SrTree {
  root: SrNode;
  /** Every by-value node by path. */
  index: Map<string, SrNode>;
  /** Every node in document (pre-order) order. */
  nodes: SrNode[];
}

/** Raised when the document exceeds the walk limits (spec 5.3); the SR is then skipped. */
export class SrLimitError extends Error {}

interface WalkState {
  index: Map<string, SrNode>;
  nodes: SrNode[];
}

function visit(node: SrNode, depth: number, state: WalkState): void {
  if (depth > MAX_DEPTH) throw new SrLimitError(`SR nesting deeper than ${MAX_DEPTH} at ${node.path}`);
  if (state.index.size >= MAX_ITEMS) throw new SrLimitError(`SR has more than ${MAX_ITEMS} content items`);
  state.index.set(node.path, node);
  state.nodes.push(node);
  seq(node.item, TAG.ContentSequence).forEach((child, i) => {
    const rel = code(child, TAG.RelationshipType) ?? '';
    const target = nums(child, TAG.ReferencedContentItemIdentifier);
    if (target.length > 0) {
      node.refs.push({ rel, targetPath: target.join('.') });
      return;
    }
    const childNode: SrNode = {
      path: `${node.path}.${i + 1}`, rel, vt: code(child, TAG.ValueType) ?? '',
      concept: codeSeq(child, TAG.ConceptNameCodeSequence), item: child, parent: node, children: [], refs: [],
    };
    node.children.push(childNode);
    visit(childNode, depth + 1, state);
  });
}

/**
 * Builds the tree of an SR dataset (the dataset itself is the root content item).
 * `byReferenceAllowed` is false for Basic Text / Enhanced SR, where PS3.3 A.35.1/A.35.2
 * forbid by-reference relationships; they are still resolved, with a warning.
 */
export function parseContentTree(ds: DicomDataset, issues: Issues, sopInstanceUid: string, byReferenceAllowed: boolean): SrTree {
  const root: SrNode = {
    path: '1', vt: code(ds, TAG.ValueType) ?? 'CONTAINER',
    concept: codeSeq(ds, TAG.ConceptNameCodeSequence), item: ds, children: [], refs: [],
  };
  const state: WalkState = { index: new Map(), nodes: [] };
  visit(root, 0, state);
  for (const node of state.nodes) {
    for (const ref of node.refs) {
      ref.target = state.index.get(ref.targetPath);
      if (!ref.target) {
        issues.warn('SR_REF_UNRESOLVED', `By-reference target ${ref.targetPath} does not exist`, { sopInstanceUid, path: node.path });
      } else if (!byReferenceAllowed) {
        issues.warn('SR_REF_NOT_PERMITTED', 'By-reference relationship in an SR class that does not permit it', { sopInstanceUid, path: node.path });
      }
    }
  }
  return { root, index: state.index, nodes: state.nodes };
}

/** Children (by value) plus resolved by-reference targets with the given relationship. */
export function related(node: SrNode, rel: string): SrNode[] {
  const byValue = node.children.filter((c) => c.rel === rel);
  const byRef = node.refs.filter((r) => r.rel === rel && r.target).map((r) => r.target!);
  return [...byValue, ...byRef];
}

export function childrenWith(node: SrNode, rel: string, vt?: string): SrNode[] {
  return node.children.filter((c) => c.rel === rel && (vt === undefined || c.vt === vt));
}
