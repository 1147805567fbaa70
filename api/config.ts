/**
 * Patient upload API settings, parsed from the environment that
 * server/config.ts hands over.
 *
 * DICOM_UPLOAD_ENABLED  true | false (default true): false answers 404 on the upload route
 * UPLOAD_MAX_BYTES      largest accepted file, in bytes (default 500 MiB), enforced while streaming
 */
export interface UploadConfig {
  enabled: boolean;
  maxBytes: number;
}

export function loadUploadConfig(env: NodeJS.ProcessEnv): UploadConfig {
  const enabled = env.DICOM_UPLOAD_ENABLED ?? 'true';
  if (enabled !== 'true' && enabled !== 'false') throw new Error(`DICOM_UPLOAD_ENABLED must be true or false, got "${enabled}"`);
  const max = env.UPLOAD_MAX_BYTES ?? String(500 * 1024 * 1024);
  if (!/^\d+$/.test(max) || Number(max) < 1) throw new Error(`UPLOAD_MAX_BYTES must be a positive integer, got "${max}"`);
  return { enabled: enabled === 'true', maxBytes: Number(max) };
}
