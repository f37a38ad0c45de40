// Memory of a process and all its descendants, from /proc (Linux only).
import { readFileSync, readdirSync, readlinkSync } from "node:fs";

export interface Rss {
  /** VmRSS summed over the process and its descendants, in bytes. Shared pages count once per process. */
  bytes: number;
  /** Pss summed the same way (shared pages split between their users): what the tree really holds. */
  pss: number;
  /** VmRSS of the process alone. */
  own: number;
  processes: number;
  /** The descendants (`/proc/<pid>/comm`) and their VmRSS, for telling what the extra memory was. */
  children: { name: string; bytes: number }[];
}

const read = (file: string): string | null => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null; // the process exited between listing and reading: it no longer counts
  }
};

const kib = (re: RegExp, text: string | null) => Number(re.exec(text ?? "")?.[1] ?? NaN) * 1024;

/** Children of every process, from the parent pid in /proc/<pid>/stat (field 4, after the name). */
function children(): Map<number, number[]> {
  const kids = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = kids.get(ppid) ?? [];
    list.push(Number(name));
    kids.set(ppid, list);
  }
  return kids;
}

const exe = (pid: number): string | null => {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null; // gone, or a zombie
  }
};

export function rss(pid: number): Rss {
  const kids = children();
  const out: Rss = { bytes: 0, pss: 0, own: 0, processes: 0, children: [] };
  const self = exe(pid);
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    todo.push(...(kids.get(p) ?? []));
    // A child that has not exec'd yet still runs the server's binary in the server's (vfork) or a
    // copy-on-write address space: its RSS is the server's pages again. Checked before reading its memory,
    // so a child seen past this point had already exec'd its own program.
    if (p !== pid && exe(p) === self) continue;
    const bytes = kib(/^VmRSS:\s+(\d+) kB/m, read(`/proc/${p}/status`));
    if (Number.isNaN(bytes)) continue; // gone, or a zombie
    const pss = kib(/^Pss:\s+(\d+) kB/m, read(`/proc/${p}/smaps_rollup`));
    out.bytes += bytes;
    out.pss += Number.isNaN(pss) ? bytes : pss;
    out.processes++;
    if (p === pid) out.own = bytes;
    else out.children.push({ name: (read(`/proc/${p}/comm`) ?? "?").trim(), bytes });
  }
  return out;
}

/**
 * Sample `rss(pid)` every `everyMs` until `stop()`, which returns the sample with the highest RSS total,
 * the highest PSS total and RSS of the process alone, the most processes at once, and the sample count.
 */
export function sampler(pid: number, everyMs = 100) {
  let peak: Rss = rss(pid);
  let own = peak.own;
  let pss = peak.pss;
  let samples = 1;
  let maxProcesses = peak.processes;
  const take = () => {
    const now = rss(pid);
    samples++;
    maxProcesses = Math.max(maxProcesses, now.processes);
    own = Math.max(own, now.own);
    pss = Math.max(pss, now.pss);
    if (now.bytes > peak.bytes) peak = now;
  };
  const timer = setInterval(take, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return { peak, own, pss, samples, maxProcesses };
    },
  };
}

export const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString("en-US")} MiB`;
