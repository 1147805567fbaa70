import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DicomDataset } from '../../dicom/dicom-json.js';
import type { ImageInfo } from '../../dicom/image-info.js';
import { renderGray, renderGrayWords, type Window } from '../../dicom/render/grayscale.js';
import { storedValues } from '../../dicom/render/samples.js';

/**
 * The table-driven grey path (one lookup per pixel) must give exactly the
 * bytes of the per-pixel pipeline (PS3.3 §C.11) for every combination the
 * table covers: 8/16 bits, signed or not, rescale or Modality LUT, file or
 * requested window, VOI LUT, the frame's own range, MONOCHROME1.
 */
function info(bitsAllocated: 8 | 16, bitsStored: number, pixelRepresentation: number, photometric = 'MONOCHROME2'): ImageInfo {
  return { rows: 64, columns: 64, bitsAllocated, bitsStored, pixelRepresentation, samplesPerPixel: 1, photometric, planarConfiguration: 0 } as unknown as ImageInfo;
}

function pixels(bits: 8 | 16, seed: number): Buffer {
  const b = Buffer.alloc(64 * 64 * (bits / 8));
  let x = seed;
  for (let i = 0; i < 64 * 64; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    if (bits === 8) b[i] = x >>> 24;
    else b.writeUInt16LE(x >>> 16, i * 2); // high bits set too: masking must happen
  }
  return b;
}

const lutItem = (first: number, data: number[]): DicomDataset => ({
  '00283002': { vr: 'US', Value: [data.length, first, 16] },
  '00283006': { vr: 'OW', Value: [Buffer.from(Uint16Array.from(data).buffer) as never] },
});

const CASES: Array<[string, ImageInfo, DicomDataset, Window?]> = [
  ['16-bit unsigned, 12 stored, rescale + file window', info(16, 12, 0), { '00281052': { vr: 'DS', Value: [-1024] }, '00281053': { vr: 'DS', Value: [1] }, '00281050': { vr: 'DS', Value: [40] }, '00281051': { vr: 'DS', Value: [400] } }],
  ['16-bit signed, requested sigmoid window', info(16, 16, 1), {}, { center: 100, width: 3000, fn: 'SIGMOID' }],
  ['16-bit signed 12 stored, frame range, MONOCHROME1', info(16, 12, 1, 'MONOCHROME1'), { '00281053': { vr: 'DS', Value: [0.5] } }],
  ['16-bit, LINEAR_EXACT file window', info(16, 16, 0), { '00281050': { vr: 'DS', Value: [30000] }, '00281051': { vr: 'DS', Value: [20000] }, '00281056': { vr: 'CS', Value: ['LINEAR_EXACT'] } }],
  ['16-bit, Modality LUT and VOI LUT', info(16, 10, 0), { '00283000': { vr: 'SQ', Value: [lutItem(0, Array.from({ length: 1024 }, (_, i) => i * 3))] }, '00283010': { vr: 'SQ', Value: [lutItem(100, Array.from({ length: 2000 }, (_, i) => i * 30))] } }],
  ['8-bit unsigned, frame range', info(8, 8, 0), {}],
  ['8-bit signed 7 stored, requested window', info(8, 7, 1), {}, { center: 0, width: 50, fn: 'LINEAR' }],
];

describe('grey rendering: table path = per-pixel path', () => {
  for (const [name, inf, attrs, window] of CASES) {
    test(name, () => {
      const bits = inf.bitsAllocated as 8 | 16;
      const px = pixels(bits, name.length);
      const frame = { pixels: px, bitsAllocated: bits, samplesPerPixel: 1, photometric: inf.photometric };
      const expected = renderGray(storedValues(frame, inf), attrs, inf, window);
      const words = bits === 16 ? new Uint16Array(px.buffer, px.byteOffset, 64 * 64) : new Uint8Array(px.buffer, px.byteOffset, 64 * 64);
      const actual = renderGrayWords(words, attrs, inf, window);
      assert.equal(Buffer.compare(actual, expected), 0, `${name}: identical P-values`);
      assert.ok(new Set(actual).size > 2, `${name}: the case exercises more than black and white`);
    });
  }
});
