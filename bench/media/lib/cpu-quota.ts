// A CPU budget for one process, as a machine of its own would give it: a
// cgroup of the benchmark's own with a CFS quota (cgroup v1's cpu controller,
// cpu.cfs_quota_us over cpu.cfs_period_us, or cgroup v2's cpu.max). Its
// threads, and those it starts later, share `percent` of one core, whatever
// else runs on the machine. release() moves the process back and removes the
// group. Needs root (CI and the benchmarks run as root).
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type CpuQuota = { percent: number; release(): void };

// 20 ms: the process runs in short slices, more like a slower core of its
// own than 100 ms bursts (its sockets overflow while it waits out a long
// period). The kernel's smallest quota is 1 ms, so the least budget is 5 %.
const PERIOD_US = 20_000;

/** Where the cpu controller is: v1's own hierarchy, or the v2 root when it offers `cpu`. */
function cpuRoot(): { dir: string; v2: boolean } {
  if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) return { dir: '/sys/fs/cgroup/cpu', v2: false };
  for (const dir of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    const controllers = join(dir, 'cgroup.controllers');
    if (existsSync(controllers) && readFileSync(controllers, 'utf8').split(/\s+/).includes('cpu'))
      return { dir, v2: true };
  }
  throw new Error('no cgroup cpu controller on this machine: a CPU quota cannot be set');
}

export function limitCpu(pid: number, percent: number, name: string): CpuQuota {
  const root = cpuRoot();
  const dir = join(root.dir, `loupe-bench-${process.pid}-${name}`);
  mkdirSync(dir, { recursive: true });
  const quotaUs = Math.round((PERIOD_US * percent) / 100);
  try {
    if (quotaUs < 1_000)
      throw new Error(`a CPU budget of ${percent} % is below the kernel's 1 ms per ${PERIOD_US / 1000} ms`);
    if (root.v2) {
      // The v2 root hands `cpu` to its children only when asked.
      writeFileSync(join(root.dir, 'cgroup.subtree_control'), '+cpu');
      writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
    } else {
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
    }
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
  } catch (err) {
    rmdirSync(dir);
    throw err;
  }
  return {
    percent,
    release() {
      try {
        writeFileSync(join(root.dir, 'cgroup.procs'), String(pid));
      } catch {
        // The process is gone: the group is empty already.
      }
      try {
        rmdirSync(dir);
      } catch {
        // Still busy for a moment after the process left; the name has this process's PID, so it cannot clash.
      }
    },
  };
}
