/**
 * PS3.5 §9.1: digit components separated by '.', at most 64 characters.
 * Components with a leading zero violate §9.1 but are common from older
 * equipment and unambiguous, so they are accepted (refusing them would lose
 * real studies); anything else (letters, slashes, empty components) is refused.
 */
const UID = /^[0-9]+(\.[0-9]+)*$/;

export function isValidUid(uid: string | undefined): uid is string {
  return typeof uid === 'string' && uid.length > 0 && uid.length <= 64 && UID.test(uid);
}

/** UID values are padded with NUL to even length (PS3.5 §9.1); strip that and stray spaces. */
export function cleanUid(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.replace(/[\0\s]+$/g, '').trim();
  return v === '' ? undefined : v;
}
