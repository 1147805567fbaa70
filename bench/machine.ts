// What the servers and the machine are doing, read from /proc (Linux only;
// the figures are NaN elsewhere): per-process CPU and memory, and how busy
// *other* processes keep the machine, which on a shared box decides how far
// a figure can be trusted.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** CPU seconds (user+system) a process has used so far, from /proc (Linux only; NaN elsewhere). */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    // Fields after the ")" that ends the command name; utime and stime are fields 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Peak resident memory in MB (VmHWM), NaN when unknown. */
export function peakRssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Lets the machine go quiet between measurements: flushes dirty pages (Orthanc
 * does not fsync its files, so 700 MB of its STOW would otherwise be written
 * back during the next phase) and waits until the servers stop using CPU.
 */
export async function settle(pids: Array<number | undefined>, maxMs = 30_000): Promise<void> {
  spawnSync('sync');
  const deadline = Date.now() + maxMs;
  let before = pids.map(cpuSeconds);
  while (Date.now() < deadline) {
    await sleep(500);
    const now = pids.map(cpuSeconds);
    if (now.every((c, i) => !(c - before[i] > 0.01))) return;
    before = now;
  }
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return NaN;
  }
}

/** Every process below ours (servers, FerretDB, MinIO), from /proc. */
export function descendantPids(): number[] {
  const parentOf = new Map<number, number>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return []; // not Linux
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we looked
    }
  }
  const isOurs = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === process.pid) return true;
    return false;
  };
  return [...parentOf.keys()].filter(isOurs);
}

/** The executable name of a process ("" when gone). */
export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function ownCpuSeconds(): number {
  const self = process.cpuUsage();
  return (self.user + self.system) / 1e6 + descendantPids().reduce((sum, pid) => sum + (cpuSeconds(pid) || 0), 0);
}

/**
 * How busy the machine was with processes that are not ours during a
 * measurement, in cores (e.g. 0.8 = most of one core). On a shared machine
 * this says how much to trust a figure.
 */
export function loadMeter(): () => number {
  const start = { at: performance.now(), busy: machineBusySeconds(), own: ownCpuSeconds() };
  return () => {
    const seconds = (performance.now() - start.at) / 1000;
    const foreign = machineBusySeconds() - start.busy - (ownCpuSeconds() - start.own);
    return Math.max(0, foreign / seconds);
  };
}

/**
 * Waits up to `maxMs` for other processes to use less than `threshold`
 * cores (sampled over 2 s); returns the last sample either way.
 */
export async function waitQuiet(maxMs: number, threshold = 0.25): Promise<number> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const meter = loadMeter();
    await sleep(2_000);
    const load = meter();
    if (load < threshold || Date.now() >= deadline) return load;
  }
}
