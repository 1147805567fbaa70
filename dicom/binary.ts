/**
 * Binary values as dcmjs returns them: an ArrayBuffer, or a typed array for
 * some OW/OB values of implicit VR files. Undefined for anything else.
 */
export function binaryOf(v: unknown): Buffer | undefined {
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return undefined;
}

export function isBinary(v: unknown): boolean {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}
