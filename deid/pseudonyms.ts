import { createHmac } from 'node:crypto';

/**
 * Keyed, deterministic replacements: the same original always gives the same
 * replacement within a tenant, and nothing can be reversed without the key
 * (HMAC-SHA-256, RFC 2104). Keys are derived per tenant from one server
 * secret, so two tenants never share a UID or a pseudonym for the same input.
 */
export class Pseudonymizer {
  private readonly key: Buffer;

  constructor(secret: Buffer, readonly tenant: string) {
    this.key = createHmac('sha256', secret).update(`tenant:${tenant}`).digest();
  }

  private mac(purpose: string, value: string): Buffer {
    return createHmac('sha256', this.key).update(`${purpose}\0${value}`).digest();
  }

  /**
   * A UID under the 2.25 root (PS3.5 §B.2): the decimal form of a 128-bit
   * UUID built from the MAC, marked as an RFC 9562 version-8 (custom) UUID so
   * it cannot collide with random (v4) UUID-derived UIDs of other systems.
   */
  uid(original: string): string {
    const b = this.mac('uid', original).subarray(0, 16);
    b[6] = (b[6] & 0x0f) | 0x80; // version 8
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
    return `2.25.${BigInt(`0x${b.toString('hex')}`).toString(10)}`;
  }

  /** Twelve base-32 characters identifying a patient (60 bits: collisions are negligible per tenant). */
  patientCode(patientKey: string): string {
    return base32(this.mac('patient', patientKey)).slice(0, 12);
  }

  /** Days (1..3650) every date of a patient moves back by, for the Modified Dates option (PS3.15 §E.3.6). */
  dateShiftDays(patientKey: string): number {
    return (this.mac('dateshift', patientKey).readUInt32BE(0) % 3650) + 1;
  }
}

/** The key that identifies a patient: issuer + ID when there is an ID, else name + birth date. */
export function patientKeyOf(p: { id?: string; issuer?: string; name?: string; birthDate?: string }): string | undefined {
  if (p.id) return `id:${p.issuer ?? ''}|${p.id}`;
  if (p.name) return `name:${p.name}|${p.birthDate ?? ''}`;
  return undefined;
}

export function patientPseudonyms(code: string): { id: string; name: string } {
  return { id: `ANON-${code}`, name: `ANON^${code}` };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = ((value << 8) | byte) & 0xfff; // never more than 12 pending bits
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}
