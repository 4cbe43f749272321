import type { ContainerSpec, HealthConfig } from '../../types/objects.js';
import { has, one, type FlagSpec, type Parsed } from '../args.js';
import { T } from '../flagtypes.js';
import { parseDuration } from './util.js';

const D = { value: true, check: T.positiveDuration };
/** The health check flags of `service create` and `service update` (docker's healthCheckOptions). */
export const HEALTH_FLAGS: FlagSpec = {
  'health-cmd': { value: true }, 'health-interval': D, 'health-timeout': D, 'health-retries': { value: true, check: T.int64 }, 'health-start-period': D,
  'no-healthcheck': { value: false },
};
const SETTINGS = ['health-cmd', 'health-interval', 'health-timeout', 'health-retries', 'health-start-period'];
const conflict = () => new Error('--no-healthcheck conflicts with --health-* options');

/** A duration flag as docker's PositiveDurationOpt reads it. */
function positiveDuration(flag: string, v: string): number {
  if (v.startsWith('-')) throw new Error(`invalid argument "${v}" for "--${flag}" flag: duration cannot be negative`);
  try {
    return parseDuration(v);
  } catch (e) {
    throw new Error(`invalid argument "${v}" for "--${flag}" flag: ${(e as Error).message}`);
  }
}
function retries(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw new Error(`invalid argument "${v}" for "--health-retries" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

/** `service create`: docker's toHealthConfig — a check only when a setting is given, Test ["NONE"] for --no-healthcheck. */
export function applyCreateHealth(cs: ContainerSpec, p: Parsed): void {
  const cmd = one(p, 'health-cmd') ?? '';
  const interval = one(p, 'health-interval');
  const timeout = one(p, 'health-timeout');
  const start = one(p, 'health-start-period');
  const tries = retries(one(p, 'health-retries') ?? '0');
  const dur = (f: string, v: string | undefined) => (v === undefined ? 0 : positiveDuration(f, v));
  const hc = withoutZeros({
    Test: cmd ? ['CMD-SHELL', cmd] : undefined,
    Interval: dur('health-interval', interval), Timeout: dur('health-timeout', timeout), Retries: tries,
    StartPeriod: dur('health-start-period', start),
  });
  const haveSettings = cmd !== '' || interval !== undefined || timeout !== undefined || start !== undefined || tries !== 0;
  if (has(p, 'no-healthcheck')) {
    if (haveSettings) throw conflict();
    cs.HealthCheck = { Test: ['NONE'] };
  } else if (haveSettings) cs.HealthCheck = hc;
}

/** `service update`: docker's updateHealthcheck — only the settings given change; --no-healthcheck replaces the check. */
export function applyUpdateHealth(cs: ContainerSpec, p: Parsed): void {
  const given = SETTINGS.filter((f) => one(p, f) !== undefined);
  if (!given.length && one(p, 'no-healthcheck') === undefined) return;
  if (has(p, 'no-healthcheck')) {
    if (given.length) throw conflict();
    cs.HealthCheck = { Test: ['NONE'] };
    return;
  }
  const hc: HealthConfig = { ...(cs.HealthCheck ?? {}) };
  if (hc.Test?.[0] === 'NONE') delete hc.Test;
  const v = (f: string) => one(p, f);
  if (v('health-interval') !== undefined) hc.Interval = positiveDuration('health-interval', v('health-interval')!);
  if (v('health-timeout') !== undefined) hc.Timeout = positiveDuration('health-timeout', v('health-timeout')!);
  if (v('health-start-period') !== undefined) hc.StartPeriod = positiveDuration('health-start-period', v('health-start-period')!);
  if (v('health-retries') !== undefined) hc.Retries = retries(v('health-retries')!);
  if (v('health-cmd') !== undefined) {
    if (v('health-cmd')) hc.Test = ['CMD-SHELL', v('health-cmd')!];
    else delete hc.Test;
  }
  cs.HealthCheck = withoutZeros(hc);
}

/** Zero values left out, as Go's omitempty leaves them out of what the docker CLI sends. */
function withoutZeros(hc: HealthConfig): HealthConfig {
  return Object.fromEntries(Object.entries(hc).filter(([, x]) => x !== undefined && x !== 0)) as HealthConfig;
}
