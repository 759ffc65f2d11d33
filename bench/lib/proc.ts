// Linux /proc readers for the processes under test: CPU time, resident memory, peak reset.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (getconf CLK_TCK; 100 when unknown). */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of the process (all its threads), in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5)
  return (ticks * 1e6) / clockTicks();
}

/** The sum of cpuMicros over several processes (nginx's master and worker). */
export function cpuMicrosOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
}

export interface Memory {
  /** VmRSS, KiB. */
  readonly rssKiB: number;
  /** VmHWM (peak RSS since start or since the last resetPeak), KiB. */
  readonly hwmKiB: number;
}

export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/**
 * Resets VmHWM to the current RSS (proc(5), clear_refs "5"). Returns false where the kernel or the
 * permissions refuse it; the caller then samples VmRSS instead.
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return memory(pid).hwmKiB <= memory(pid).rssKiB + 64;
  } catch {
    return false;
  }
}

/** Direct children of a process (nginx's workers). */
export function childPids(pid: number): number[] {
  try {
    const listed = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (listed !== '') return listed.split(/\s+/).map(Number);
  } catch {
    // No CONFIG_PROC_CHILDREN: scan /proc below.
  }
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return children;
}
