/**
 * Transfer Syntax UIDs (PS3.6 Annex A) and what the server knows about each:
 * whether the pixel data are native or encapsulated (PS3.5 §A.4), and the
 * media type of a frame in that syntax (PS3.18 Table 8.7.3-2, -3).
 */
export const TS = {
  ImplicitLE: '1.2.840.10008.1.2',
  ExplicitLE: '1.2.840.10008.1.2.1',
  DeflatedLE: '1.2.840.10008.1.2.1.99',
  ExplicitBE: '1.2.840.10008.1.2.2',
  JpegBaseline: '1.2.840.10008.1.2.4.50',
  JpegExtended: '1.2.840.10008.1.2.4.51',
  JpegSpectral: '1.2.840.10008.1.2.4.53',
  JpegLossless: '1.2.840.10008.1.2.4.57',
  JpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  JpegLsLossless: '1.2.840.10008.1.2.4.80',
  JpegLsNear: '1.2.840.10008.1.2.4.81',
  J2kLossless: '1.2.840.10008.1.2.4.90',
  J2k: '1.2.840.10008.1.2.4.91',
  Htj2kLossless: '1.2.840.10008.1.2.4.201',
  Htj2kRpcl: '1.2.840.10008.1.2.4.202',
  Htj2k: '1.2.840.10008.1.2.4.203',
  Rle: '1.2.840.10008.1.2.5',
  DeflatedFrame: '1.2.840.10008.1.2.8.1',
} as const;

const NATIVE = new Set<string>([TS.ImplicitLE, TS.ExplicitLE, TS.DeflatedLE, TS.ExplicitBE]);

/** Pixel data are encapsulated in every syntax but the four native ones (PS3.5 §A.4). */
export function isEncapsulated(tsUid: string): boolean {
  return !NATIVE.has(tsUid);
}

export type Codec = 'jpeg' | 'jpeg-lossless' | 'jpeg-ls' | 'j2k' | 'htj2k' | 'rle' | 'deflate';

const CODEC: Record<string, Codec> = {
  [TS.JpegBaseline]: 'jpeg',
  [TS.JpegExtended]: 'jpeg',
  [TS.JpegSpectral]: 'jpeg',
  [TS.JpegLossless]: 'jpeg-lossless',
  [TS.JpegLosslessSV1]: 'jpeg-lossless',
  [TS.JpegLsLossless]: 'jpeg-ls',
  [TS.JpegLsNear]: 'jpeg-ls',
  [TS.J2kLossless]: 'j2k',
  [TS.J2k]: 'j2k',
  [TS.Htj2kLossless]: 'htj2k',
  [TS.Htj2kRpcl]: 'htj2k',
  [TS.Htj2k]: 'htj2k',
  [TS.Rle]: 'rle',
  [TS.DeflatedFrame]: 'deflate',
};

/** The decoder for an encapsulated syntax, or undefined when the server has none (e.g. JPEG XL, MPEG). */
export function codecOf(tsUid: string): Codec | undefined {
  return CODEC[tsUid];
}

const FRAME_MEDIA: Record<string, string> = {
  [TS.JpegBaseline]: 'image/jpeg',
  [TS.JpegExtended]: 'image/jpeg',
  [TS.JpegSpectral]: 'image/jpeg',
  [TS.JpegLossless]: 'image/jpeg',
  [TS.JpegLosslessSV1]: 'image/jpeg',
  [TS.JpegLsLossless]: 'image/jls',
  [TS.JpegLsNear]: 'image/jls',
  [TS.J2kLossless]: 'image/jp2',
  [TS.J2k]: 'image/jp2',
  '1.2.840.10008.1.2.4.92': 'image/jpx',
  '1.2.840.10008.1.2.4.93': 'image/jpx',
  [TS.Htj2kLossless]: 'image/jphc',
  [TS.Htj2kRpcl]: 'image/jphc',
  [TS.Htj2k]: 'image/jphc',
  [TS.Rle]: 'image/dicom-rle',
  '1.2.840.10008.1.2.4.110': 'image/jxl',
  '1.2.840.10008.1.2.4.111': 'image/jxl',
  '1.2.840.10008.1.2.4.112': 'image/jxl',
  '1.2.840.10008.1.2.4.100': 'video/mpeg',
  '1.2.840.10008.1.2.4.101': 'video/mpeg',
  '1.2.840.10008.1.2.4.102': 'video/mp4',
  '1.2.840.10008.1.2.4.103': 'video/mp4',
  '1.2.840.10008.1.2.4.104': 'video/mp4',
  '1.2.840.10008.1.2.4.105': 'video/mp4',
  '1.2.840.10008.1.2.4.106': 'video/mp4',
};

/** Media type of one frame as stored: native frames are application/octet-stream. */
export function frameMediaType(tsUid: string): string {
  return isEncapsulated(tsUid) ? FRAME_MEDIA[tsUid] ?? 'application/octet-stream' : 'application/octet-stream';
}

/** Syntaxes whose frames are whole images in a compressed media type (for Accept matching). */
export function syntaxesForMediaType(mediaType: string): string[] {
  return Object.entries(FRAME_MEDIA).filter(([, m]) => m === mediaType).map(([uid]) => uid);
}
