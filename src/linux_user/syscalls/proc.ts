/** Process and thread system calls: exit, ids, clone/execve/wait4, futex, limits, uname. */
import * as os from 'node:os';
import { Process } from '../process.js';
import type { Thread } from '../process.js';
import { E } from '../errno.js';
import { Blocked } from '../files.js';
import { copyFromGuest, copyToGuest, readCString, readStringArray, readU32, StructWriter, writeU32 } from '../guest_memory.js';
import type { FutexWaiter, Kernel } from '../kernel.js';
import { TPIDR_EL0_SLOT } from '../process.js';
import { def, i32, u32, u64, NO_RETURN, type SysResult, type SyscallDef } from './args.js';
import { resolvePath } from './fs.js';

const CLONE_VM = 0x100;
const CLONE_VFORK = 0x4000;
const CLONE_THREAD = 0x10000;
const CLONE_SETTLS = 0x80000;
const CLONE_PARENT_SETTID = 0x100000;
const CLONE_CHILD_CLEARTID = 0x200000;
const CLONE_CHILD_SETTID = 0x01000000;
const WNOHANG = 1;

/** clone(flags, newsp, parent_tid, tls, child_tid): arm64 argument order (CONFIG_CLONE_BACKWARDS). */
function clone(k: Kernel, t: Thread): SysResult {
  const flags = u32(t, 0);
  const newsp = u64(t, 1);
  const ptid = u64(t, 2);
  const tls = t.cpu.x64[3]!;
  const ctid = u64(t, 4);
  const parent = t.proc;
  let proc: Process;
  if (flags & CLONE_THREAD) {
    if (!(flags & CLONE_VM)) return -E.INVAL;
    proc = parent;
  } else {
    // fork copies the memory; vfork (CLONE_VM) borrows it until the child execs or exits.
    const shareVm = (flags & CLONE_VM) !== 0;
    const as = shareVm ? parent.as : parent.as.fork();
    if (as === null) return -E.NOMEM;
    proc = new Process({ pid: k.allocId(), parent, as, ownsAs: !shareVm, fds: parent.fds.fork(), cwd: parent.cwd, exe: parent.exe });
    proc.umask = parent.umask;
    proc.pgid = parent.pgid;
    proc.sid = parent.sid;
    proc.sigactions = parent.sigactions.map((a) => ({ ...a }));
  }
  const child = k.cloneThread(t, proc);
  const pid = proc === parent ? child.tid : proc.pid;
  if (proc !== parent) k.addProcess(proc);
  const s = child.cpu.state;
  s.x32[0] = 0;
  s.x32[1] = 0;
  if (newsp !== 0) s.setX(31, BigInt(newsp));
  if (flags & CLONE_SETTLS) s.sys[TPIDR_EL0_SLOT] = tls;
  if (flags & CLONE_PARENT_SETTID && !writeU32(parent.as, ptid, child.tid)) return -E.FAULT;
  if (flags & CLONE_CHILD_SETTID) writeU32(proc.as, ctid, child.tid);
  if (flags & CLONE_CHILD_CLEARTID) child.clearChildTid = ctid;
  k.addThread(child);
  if (flags & CLONE_VFORK) {
    proc.vforkPending = true;
    // Linux's vfork wait is not interrupted by signals: they act once the child has let go.
    return new Blocked(() => !proc.vforkPending, { onReady: () => pid, uninterruptible: true });
  }
  return pid;
}

function execve(k: Kernel, t: Thread): SysResult {
  const as = t.proc.as;
  const raw = readCString(as, u64(t, 0), 4096);
  const argv = readStringArray(as, u64(t, 1));
  const envp = readStringArray(as, u64(t, 2));
  if (raw === null || argv === null || envp === null) return -E.FAULT;
  if (raw === '') return -E.NOENT;
  const p = resolvePath(t, -100, raw);
  if (typeof p === 'number') return p;
  const r = k.exec(t, p, argv, envp);
  return r < 0 ? r : NO_RETURN;
}

function wait4(k: Kernel, t: Thread): SysResult {
  const pid = i32(t, 0);
  const statusVa = u64(t, 1);
  const options = i32(t, 2);
  const me = t.proc;
  const matches = (c: Process): boolean => pid === -1 || pid === c.pid || (pid === 0 && c.pgid === me.pgid) || (pid < -1 && c.pgid === -pid);
  const candidates = [...me.children].filter(matches);
  if (candidates.length === 0) return -E.CHILD;
  const zombie = candidates.find((c) => c.zombie);
  if (zombie === undefined) {
    if (options & WNOHANG) return 0;
    return new Blocked(() => [...me.children].some((c) => c.zombie && matches(c)));
  }
  if (statusVa !== 0 && !writeU32(me.as, statusVa, zombie.waitStatus)) return -E.FAULT;
  if (u64(t, 3) !== 0) copyToGuest(me.as, u64(t, 3), new Uint8Array(144));
  me.children.delete(zombie);
  k.processes.delete(zombie.pid);
  return zombie.pid;
}

const FUTEX_CMD = 0x7f;
const FUTEX_BITSET_ALL = -1;

function futex(k: Kernel, t: Thread): SysResult {
  const as = t.proc.as;
  const uaddr = u64(t, 0);
  const op = i32(t, 1);
  const val = u32(t, 2);
  const cmd = op & FUTEX_CMD;
  if (uaddr % 4 !== 0) return -E.INVAL;
  const off = as.kernelOffset(uaddr, false);
  if (off < 0) return -E.FAULT;
  switch (cmd) {
    case 0: // FUTEX_WAIT
    case 9: {
      // FUTEX_WAIT_BITSET
      const bitset = cmd === 9 ? i32(t, 5) : FUTEX_BITSET_ALL;
      if (bitset === 0) return -E.INVAL;
      const cur = readU32(as, uaddr);
      if (cur === null) return -E.FAULT;
      if (cur !== val) return -E.AGAIN;
      let deadline = Infinity;
      if (u64(t, 3) !== 0) {
        const ts = copyFromGuest(as, u64(t, 3), 16);
        if (ts === null) return -E.FAULT;
        const dv = new DataView(ts.buffer);
        const ms = Number(dv.getBigInt64(0, true)) * 1000 + Number(dv.getBigInt64(8, true)) / 1e6;
        // WAIT takes a relative timeout; WAIT_BITSET an absolute one on CLOCK_MONOTONIC or, with FUTEX_CLOCK_REALTIME, the wall clock.
        if (cmd === 0) deadline = performance.now() + ms;
        else if (op & 256) deadline = performance.now() + (ms - Date.now());
        else deadline = ms - Number(process.hrtime.bigint() / 1000n) / 1000 + performance.now();
      }
      const w: FutexWaiter = { bitset, woken: false, thread: t, blocked: null };
      let list = k.futexWaiters.get(off);
      if (list === undefined) k.futexWaiters.set(off, (list = []));
      list.push(w);
      return (w.blocked = new Blocked(() => w.woken, {
        deadline,
        onReady: () => 0,
        onTimeout: () => {
          const l = k.futexWaiters.get(off);
          if (l !== undefined) l.splice(l.indexOf(w) >>> 0, l.indexOf(w) >= 0 ? 1 : 0);
          return -E.TIMEDOUT;
        },
      }));
    }
    case 1: // FUTEX_WAKE
      return k.futexWake(off, val, FUTEX_BITSET_ALL);
    case 10: // FUTEX_WAKE_BITSET
      if (i32(t, 5) === 0) return -E.INVAL;
      return k.futexWake(off, val, i32(t, 5));
    case 3: // FUTEX_REQUEUE
    case 4: {
      // FUTEX_CMP_REQUEUE
      if (cmd === 4) {
        const cur = readU32(as, uaddr);
        if (cur === null) return -E.FAULT;
        if (cur !== u32(t, 5)) return -E.AGAIN;
      }
      const woken = k.futexWake(off, val, FUTEX_BITSET_ALL);
      const off2 = as.kernelOffset(u64(t, 4), false);
      if (off2 < 0) return -E.FAULT;
      const list = k.futexWaiters.get(off) ?? [];
      const moved = list.splice(0, u32(t, 3));
      if (list.length === 0) k.futexWaiters.delete(off);
      if (moved.length > 0) k.futexWaiters.set(off2, [...(k.futexWaiters.get(off2) ?? []), ...moved]);
      return woken + moved.length;
    }
    default:
      return -E.NOSYS;
  }
}

const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;
/** Default limits (RLIMIT_STACK 8 MiB, RLIMIT_NOFILE 1024/4096, the rest unlimited). */
function rlimit(resource: number): [bigint, bigint] {
  if (resource === 3) return [8n << 20n, RLIM_INFINITY];
  if (resource === 7) return [1024n, 4096n];
  if (resource === 8) return [8n << 20n, 8n << 20n]; // RLIMIT_MEMLOCK
  return [RLIM_INFINITY, RLIM_INFINITY];
}

function prlimit64(_k: Kernel, t: Thread): SysResult {
  const resource = i32(t, 1);
  if (resource < 0 || resource >= 16) return -E.INVAL;
  const old = u64(t, 3);
  if (old !== 0) {
    const [cur, max] = rlimit(resource);
    if (!copyToGuest(t.proc.as, old, new StructWriter(16).u64(0, cur).u64(8, max).bytes)) return -E.FAULT;
  }
  return 0;
}

function uname(_k: Kernel, t: Thread): SysResult {
  const w = new StructWriter(65 * 6);
  ['Linux', os.hostname(), os.release(), os.version(), 'aarch64', '(none)'].forEach((s, i) => w.str(65 * i, s, 65));
  return copyToGuest(t.proc.as, u64(t, 0), w.bytes) ? 0 : -E.FAULT;
}

function sysinfo(_k: Kernel, t: Thread): SysResult {
  const w = new StructWriter(112);
  const load = os.loadavg().map((l) => Math.round(l * 65536));
  w.u64(0, Math.floor(os.uptime())).u64(8, load[0]!).u64(16, load[1]!).u64(24, load[2]!);
  w.u64(32, os.totalmem()).u64(40, os.freemem()).u16(80, 1).u32(104, 1);
  return copyToGuest(t.proc.as, u64(t, 0), w.bytes) ? 0 : -E.FAULT;
}

function ids(which: 'uid' | 'gid'): number {
  const f = which === 'uid' ? process.getuid : process.getgid;
  return f === undefined ? 0 : f.call(process);
}

function getres(which: 'uid' | 'gid'): SyscallDef['fn'] {
  return (_k, t) => {
    for (let i = 0; i < 3; i++) if (!writeU32(t.proc.as, u64(t, i), ids(which))) return -E.FAULT;
    return 0;
  };
}

function getgroups(_k: Kernel, t: Thread): SysResult {
  const groups = process.getgroups?.() ?? [];
  const size = i32(t, 0);
  if (size === 0) return groups.length;
  if (size < groups.length) return -E.INVAL;
  const w = new StructWriter(4 * groups.length);
  groups.forEach((g, i) => w.u32(4 * i, g));
  return copyToGuest(t.proc.as, u64(t, 1), w.bytes) ? groups.length : -E.FAULT;
}

function schedGetaffinity(_k: Kernel, t: Thread): SysResult {
  const len = u32(t, 1);
  const n = os.availableParallelism();
  const bytes = Math.ceil(n / 64) * 8;
  if (len < bytes || len % 8 !== 0) return -E.INVAL;
  const mask = new Uint8Array(bytes);
  for (let i = 0; i < n; i++) mask[i >> 3]! |= 1 << (i & 7);
  return copyToGuest(t.proc.as, u64(t, 2), mask) ? bytes : -E.FAULT;
}

function timeval(w: StructWriter, off: number, us: number): void {
  w.u64(off, Math.floor(us / 1e6)).u64(off + 8, Math.floor(us % 1e6));
}

function getrusage(_k: Kernel, t: Thread): SysResult {
  const u = process.cpuUsage();
  const w = new StructWriter(144);
  timeval(w, 0, u.user);
  timeval(w, 16, u.system);
  w.u64(32, Math.floor(process.memoryUsage.rss() / 1024));
  return copyToGuest(t.proc.as, u64(t, 1), w.bytes) ? 0 : -E.FAULT;
}

function times(_k: Kernel, t: Thread): SysResult {
  const u = process.cpuUsage();
  if (u64(t, 0) !== 0) {
    const w = new StructWriter(32).u64(0, Math.floor(u.user / 10000)).u64(8, Math.floor(u.system / 10000));
    if (!copyToGuest(t.proc.as, u64(t, 0), w.bytes)) return -E.FAULT;
  }
  return Math.floor((os.uptime() * 1000) / 10);
}

function prctl(_k: Kernel, t: Thread): SysResult {
  const option = i32(t, 0);
  if (option === 15) return 0; // PR_SET_NAME
  if (option === 16) return copyToGuest(t.proc.as, u64(t, 1), new StructWriter(16).str(0, 'xenon', 16).bytes) ? 0 : -E.FAULT; // PR_GET_NAME
  return -E.INVAL;
}

export const PROC_SYSCALLS: readonly SyscallDef[] = [
  def(93, 'exit', 1, (k, t) => {
    k.exitThread(t, i32(t, 0));
    return NO_RETURN;
  }),
  def(94, 'exit_group', 1, (k, t) => {
    k.exitProcess(t.proc, (i32(t, 0) & 0xff) << 8);
    return NO_RETURN;
  }),
  def(172, 'getpid', 0, (_k, t) => t.proc.pid),
  def(178, 'gettid', 0, (_k, t) => t.tid),
  def(173, 'getppid', 0, (_k, t) => t.proc.parent?.pid ?? process.ppid),
  def(174, 'getuid', 0, () => ids('uid')),
  def(175, 'geteuid', 0, () => ids('uid')),
  def(176, 'getgid', 0, () => ids('gid')),
  def(177, 'getegid', 0, () => ids('gid')),
  def(148, 'getresuid', 3, getres('uid')),
  def(150, 'getresgid', 3, getres('gid')),
  def(158, 'getgroups', 2, getgroups),
  def(154, 'setpgid', 2, (k, t) => {
    const pid = i32(t, 0);
    const p = pid === 0 ? t.proc : k.processes.get(pid);
    if (p === undefined) return -E.SRCH;
    p.pgid = i32(t, 1) === 0 ? p.pid : i32(t, 1);
    return 0;
  }),
  def(155, 'getpgid', 1, (k, t) => (i32(t, 0) === 0 ? t.proc : k.processes.get(i32(t, 0)))?.pgid ?? -E.SRCH),
  def(156, 'getsid', 1, (k, t) => (i32(t, 0) === 0 ? t.proc : k.processes.get(i32(t, 0)))?.sid ?? -E.SRCH),
  def(157, 'setsid', 0, (_k, t) => {
    t.proc.sid = t.proc.pid;
    t.proc.pgid = t.proc.pid;
    return t.proc.pid;
  }),
  def(96, 'set_tid_address', 1, (_k, t) => {
    t.clearChildTid = u64(t, 0);
    return t.tid;
  }),
  def(99, 'set_robust_list', 2, (_k, t) => (u64(t, 1) === 24 ? 0 : -E.INVAL)),
  def(293, 'rseq', 4, () => -E.NOSYS),
  def(435, 'clone3', 2, () => -E.NOSYS),
  def(220, 'clone', 5, clone),
  def(221, 'execve', 3, execve),
  def(260, 'wait4', 4, wait4),
  def(98, 'futex', 6, futex),
  def(261, 'prlimit64', 4, prlimit64),
  def(163, 'getrlimit', 2, (_k, t) => {
    const [cur, max] = rlimit(i32(t, 0));
    return copyToGuest(t.proc.as, u64(t, 1), new StructWriter(16).u64(0, cur).u64(8, max).bytes) ? 0 : -E.FAULT;
  }),
  def(164, 'setrlimit', 2, () => 0),
  def(160, 'uname', 1, uname),
  def(179, 'sysinfo', 1, sysinfo),
  def(123, 'sched_getaffinity', 3, schedGetaffinity),
  def(122, 'sched_setaffinity', 3, () => 0),
  def(124, 'sched_yield', 0, () => new Blocked(() => true, { onReady: () => 0 })),
  def(165, 'getrusage', 2, getrusage),
  def(153, 'times', 1, times),
  def(167, 'prctl', 5, prctl),
];

