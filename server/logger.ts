import pino from 'pino';

/**
 * Structured JSON logs. Patient data must never reach a log line: callers log
 * UIDs, counts and codes only, and request logs carry no query strings
 * (a QIDO query string can hold a patient name).
 */
export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({ level, base: undefined, redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true } });
}
