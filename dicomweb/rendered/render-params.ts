import type { Window, WindowFunction } from '../../dicom/render/render-frame.js';
import { AppError } from '../../storage/errors.js';
import { covers, parseAccept } from '../wado/accept.js';

/**
 * Query parameters of the rendered and thumbnail resources (PS3.18
 * §8.3.5.1): window=center,width[,function], viewport=vw,vh[,sx,sy,sw,sh],
 * quality=1..100, accept=<media type>. The output media type is the first
 * acceptable of image/jpeg and image/png (JPEG when anything goes).
 */
export interface RenderParams {
  mediaType: 'image/jpeg' | 'image/png';
  window?: Window;
  viewport?: { width: number; height: number; crop?: { left: number; top: number; width: number; height: number } };
  quality: number;
}

const FUNCTIONS: Record<string, WindowFunction> = { linear: 'LINEAR', 'linear-exact': 'LINEAR_EXACT', sigmoid: 'SIGMOID' };
const MAX_VIEWPORT = 8192;

export function parseRenderParams(query: Record<string, unknown>, acceptHeader: string | undefined): RenderParams {
  return {
    mediaType: pickMediaType(acceptHeader, query.accept),
    window: parseWindow(one(query.window, 'window')),
    viewport: parseViewport(one(query.viewport, 'viewport')),
    quality: parseQuality(one(query.quality, 'quality')),
  };
}

function pickMediaType(header: string | undefined, q: unknown): RenderParams['mediaType'] {
  for (const e of parseAccept(header, q)) {
    // Multi-image renders are multipart/related; type="image/…" (PS3.18 §8.7.4): the part type decides.
    const type = e.type === 'multipart/related' ? (e.params.type ?? 'image/jpeg').toLowerCase() : e.type;
    if (covers(type, 'image/jpeg')) return 'image/jpeg';
    if (covers(type, 'image/png')) return 'image/png';
  }
  throw new AppError('not-acceptable', 'rendered images are available as image/jpeg or image/png');
}

function parseWindow(v: string | undefined): Window | undefined {
  if (v === undefined) return undefined;
  const [c, w, fn = 'linear'] = v.split(',').map((s) => s.trim());
  const center = Number(c);
  const width = Number(w);
  if (!Number.isFinite(center) || !Number.isFinite(width) || width <= 0 || !FUNCTIONS[fn.toLowerCase()]) {
    throw new AppError('invalid', 'window must be center,width[,linear|linear-exact|sigmoid] with width > 0');
  }
  return { center, width, fn: FUNCTIONS[fn.toLowerCase()] };
}

function parseViewport(v: string | undefined): RenderParams['viewport'] {
  if (v === undefined) return undefined;
  const n = v.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  const ok = (n.length === 2 || n.length === 6) && n.every((x) => Number.isInteger(x) && x >= 0)
    && n[0] > 0 && n[1] > 0 && n[0] <= MAX_VIEWPORT && n[1] <= MAX_VIEWPORT;
  if (!ok) throw new AppError('invalid', `viewport must be vw,vh[,sx,sy,sw,sh] with positive integers up to ${MAX_VIEWPORT}`);
  const crop = n.length === 6 ? { left: n[2], top: n[3], width: n[4], height: n[5] } : undefined;
  if (crop && (crop.width === 0 || crop.height === 0)) throw new AppError('invalid', 'viewport source width and height must be positive');
  return { width: n[0], height: n[1], crop };
}

function parseQuality(v: string | undefined): number {
  if (v === undefined) return 90;
  const q = Number(v);
  if (!Number.isInteger(q) || q < 1 || q > 100) throw new AppError('invalid', 'quality must be an integer from 1 to 100');
  return q;
}

function one(raw: unknown, name: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new AppError('invalid', `query parameter ${name} is given more than once`);
  return raw;
}
