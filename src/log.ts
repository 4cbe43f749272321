import pino from 'pino';
import type { Logger } from 'pino';

const root: Logger = pino({ level: process.env.TSWARM_LOG_LEVEL ?? 'info' }, pino.destination(2));

/** A logger with a `component` field, as every log line carries one. */
export function logger(component: string): Logger {
  return root.child({ component });
}
export type { Logger };
