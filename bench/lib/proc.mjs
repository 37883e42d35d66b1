/** What a benchmark reads about another process from /proc. */

import { readFileSync } from 'node:fs';

/** utime + stime of a process in seconds, from /proc/PID/stat (all threads). */
export function procCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}
