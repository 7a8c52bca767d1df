/**
 * Bad arguments for every public function and constructor (issue 10, "errors
 * that tell the truth"): one table keyed by export name, walked at run time.
 *
 * Each case passes a wrong type, a value out of range, an unknown option key
 * or a detached buffer, and asserts a TypeError or RangeError whose message
 * quotes the value with its type (`"64" (string)`) or names the key. Functions
 * that return promises must reject and never throw synchronously; async
 * generators reject on their first `next()`.
 *
 * The table must cover every export of every entry point in deno.json's
 * `exports` (the package and its subpaths): an export that is neither in
 * TABLE nor in EXEMPT (constants, error classes, functions without
 * arguments, each with its reason) fails the coverage test, so a new export
 * cannot ship without its bad-argument cases.
 *
 * One deliberate difference: the SQE writers and their field checks
 * (src/ops/) throw RangeError for every bad value, a wrong type included
 * (their documented contract, pinned by tests/sqe_test.ts); their cases
 * accept either class.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as api from "../mod.ts";
import { show } from "../src/ring/_args.ts";
import { fileWith, pattern, tempDir } from "./_helpers.ts";

type ErrorClass = typeof TypeError | typeof RangeError;
/** How a call reports a bad argument: a throw, a rejected promise, or an async generator whose next() rejects. */
type Kind = "sync" | "async" | "iter";
interface Case {
  what: string;
  call: () => unknown;
  /** TypeError, RangeError, or either (src/ops' RangeError-for-everything contract). */
  cls: ErrorClass | "either";
  /** Text the message must contain: the quoted value, or the unknown key. */
  text: string;
  kind: Kind;
}

/** What the cases share: rings, SQE views, a file, a detached buffer. */
interface Ctx {
  ring: api.Ring;
  aring: api.AsyncRing;
  s: api.SqeViews;
  buf: Uint8Array;
  detached: Uint8Array;
  file: string;
  dir: string;
}

const UNKNOWN = { bogus: 1 } as never;
const Q = show; // the quoted form every message must contain

// Case builders. `t`/`r`: a TypeError/RangeError quoting `v`; `key`: an unknown option key.
function t(what: string, call: () => unknown, v: unknown, kind: Kind = "sync"): Case {
  return { what, call, cls: TypeError, text: Q(v), kind };
}
function r(what: string, call: () => unknown, v: unknown, kind: Kind = "sync"): Case {
  return { what, call, cls: RangeError, text: Q(v), kind };
}
function key(what: string, call: () => unknown, kind: Kind = "sync"): Case {
  return { what: `${what}: unknown option`, call, cls: TypeError, text: '"bogus"', kind };
}
function detachedCase(what: string, call: () => unknown, kind: Kind = "sync"): Case {
  return { what: `${what}: detached buffer`, call, cls: TypeError, text: "detached", kind };
}
/** "64" (a string that looks like a number) into each numeric parameter of an SQE writer, one at a time. */
function writer(name: string, fn: (...args: unknown[]) => unknown, s: api.SqeViews): Case[] {
  const out: Case[] = [];
  // `at` (the SQE's byte offset) and then every numeric argument after it.
  for (let i = 1; i < fn.length; i++) {
    for (const bad of ["64", NaN]) {
      const args: unknown[] = [s];
      for (let j = 1; j < fn.length; j++) args.push(j === i ? bad : 0);
      out.push({
        what: `${name} argument ${i} = ${Q(bad)}`,
        call: () => fn(...args),
        cls: "either",
        text: Q(bad),
        kind: "sync",
      });
    }
  }
  out.push({
    what: `${name} at = 32`,
    call: () => fn(s, 32, ...new Array(Math.max(fn.length - 2, 0)).fill(0)),
    cls: "either",
    text: "32 (number)",
    kind: "sync",
  });
  return out;
}

/** The export's bad-argument cases. */
type Entry = (c: Ctx) => Case[];

const n = (v: unknown) => v as never;

const TABLE: Record<string, Entry> = {
  // ------------------------------------------------------------ ring
  Ring: (c) => [
    t("Ring.create entries", () => api.Ring.create({ entries: n("64") }), "64"),
    r("Ring.create entries 0", () => api.Ring.create({ entries: 0 }), 0),
    key("Ring.create", () => api.Ring.create(UNKNOWN)),
    t("Ring.create hugepages", () => api.Ring.create({ hugepages: n("big") }), "big"),
    r("read fd -1", () => c.ring.read(-1, c.buf, 0), -1),
    t("read buffer", () => c.ring.read(0, n("abc"), 0), "abc"),
    detachedCase("read", () => c.ring.read(0, c.detached, 0)),
    key("read options", () => c.ring.read(0, c.buf, 0, UNKNOWN)),
    t("timeout", () => c.ring.timeout(n("10")), "10"),
    r("submitAndWait -1", () => c.ring.submitAndWait(-1), -1),
    t("reap", () => c.ring.reap(n("not a fn")), "not a fn"),
  ],
  RingCore: (c) => [
    // The base of Ring (not constructed by users): its methods, through a Ring.
    r("waitFor -1", () => c.ring.waitFor(-1, 1), -1),
    t("completions", () => c.ring.completions(n("5")), "5"),
    r("registerEventfd -5", () => c.ring.registerEventfd(-5), -5),
  ],
  closeFd: () => [t("closeFd", () => api.closeFd(n("3")), "3"), r("closeFd -1", () => api.closeFd(-1), -1)],
  eventfd: () => [
    t("eventfd initval", () => api.eventfd(n("1")), "1"),
    r("eventfd flags", () => api.eventfd(0, -1), -1),
  ],
  decodeStatx: () => [t("decodeStatx", () => api.decodeStatx(n("x")), "x")],
  ringLayout: () => [t("ringLayout entries", () => api.ringLayout(n("64"), undefined, 0), "64")],
  setupFlags:
    () => [key("setupFlags", () => api.setupFlags(UNKNOWN)), t("setupFlags", () => api.setupFlags(n(5)), 5)],
  Arena: () => [
    key("Arena.create", () => api.Arena.create(UNKNOWN)),
    t("Arena.create size", () => api.Arena.create({ size: n("4096") }), "4096"),
    r("Arena.create size -1", () => api.Arena.create({ size: -1 }), -1),
    t("Arena.create memory", () => api.Arena.create({ memory: n("huge") }), "huge"),
  ],
  // ------------------------------------------------------------ errors and hints
  check: () => [
    t("check result", () => api.check(n("64"), "op"), "64"),
    t("check op", () => api.check(-2, n(5)), 5),
  ],
  UringError: () => [
    t("UringError errno", () => new api.UringError(n("5"), "op"), "5"),
    t("UringError op", () => new api.UringError(5, n(7)), 7),
  ],
  errnoName: () => [
    t("errnoName", () => api.errnoName(n("22")), "22"),
    r("errnoName 1e9", () => api.errnoName(1e9), 1e9),
  ],
  errnoMessage: () => [t("errnoMessage", () => api.errnoMessage(n("22")), "22")],
  kernelAtLeast: () => [
    t("kernelAtLeast version", () => api.kernelAtLeast(n(6.1)), 6.1),
    r("kernelAtLeast version", () => api.kernelAtLeast("six"), "six"),
  ],
  memlockHint: () => [t("memlockHint needed", () => api.memlockHint(n("4096")), "4096")],
  setupHint: () => [
    t("setupHint errno", () => api.setupHint(n("1"), 0), "1"),
    r("setupHint flags", () => api.setupHint(1, -1), -1),
  ],
  registerHint: () => [t("registerHint errno", () => api.registerHint(n("12")), "12")],
  hugepageHint: () => [t("hugepageHint knob", () => api.hugepageHint(n("thp")), "thp")],
  // ------------------------------------------------------------ ops (SQE writers, checks, probe gate)
  sqeViews: () => [
    t("sqeViews buffer", () => api.sqeViews(n("64")), "64"),
    {
      what: "sqeViews byteOffset",
      call: () => api.sqeViews(new ArrayBuffer(64), -1),
      cls: "either",
      text: "-1 (number)",
      kind: "sync",
    },
  ],
  checkU8: () => [{
    what: "checkU8",
    call: () => api.checkU8(n("1"), "w", "f"),
    cls: "either",
    text: Q("1"),
    kind: "sync",
  }],
  checkU16: () => [{
    what: "checkU16",
    call: () => api.checkU16(65536, "w", "f"),
    cls: RangeError,
    text: "65536 (number)",
    kind: "sync",
  }],
  checkU32: () => [{
    what: "checkU32",
    call: () => api.checkU32(n("1"), "w", "f"),
    cls: "either",
    text: Q("1"),
    kind: "sync",
  }],
  checkS32: () => [{
    what: "checkS32",
    call: () => api.checkS32(2 ** 31, "w", "f"),
    cls: RangeError,
    text: "2147483648 (number)",
    kind: "sync",
  }],
  checkU64: () => [{
    what: "checkU64",
    call: () => api.checkU64(-2, "w", "f"),
    cls: RangeError,
    text: "-2 (number)",
    kind: "sync",
  }],
  checkSize: () => [{
    what: "checkSize",
    call: () => api.checkSize(-1, "w", "f"),
    cls: RangeError,
    text: "-1 (number)",
    kind: "sync",
  }],
  opSince: () => [t("opSince", () => api.opSince(n("1")), "1")],
  opSupported: (c) => [
    t("opSupported op", () => api.opSupported(c.ring, n("1")), "1"),
    t("opSupported ring", () => api.opSupported(n("ring"), 1), "ring"),
  ],
  requireOp: (
    c,
  ) => [
    r("requireOp op", () => api.requireOp(c.ring, 999), 999),
    t("requireOp ring", () => api.requireOp(n(5), 1), 5),
  ],
  UnsupportedOpError:
    () => [t("UnsupportedOpError opName", () => new api.UnsupportedOpError(n("NOPE"), "6.1"), "NOPE")],
  // ------------------------------------------------------------ async
  AsyncRing: (c) => [
    key("AsyncRing.create", () => api.AsyncRing.create(UNKNOWN)),
    t("AsyncRing.create waker", () => api.AsyncRing.create({ waker: n("fast") }), "fast"),
    t("new AsyncRing ring", () => new api.AsyncRing(n("x")), "x"),
    r("read fd -1", () => c.aring.read(-1, c.buf, 0), -1, "async"),
    detachedCase("write", () => c.aring.write(0, c.detached, 0), "async"),
    key("read options", () => c.aring.read(0, c.buf, 0, UNKNOWN), "async"),
    r("sleep -1", () => c.aring.sleep(-1), -1, "async"),
    t("openat path", () => c.aring.openat(n(42)), 42, "async"),
  ],
  AsyncRingCore: (c) => [
    // The base of AsyncRing: its generic methods, through an AsyncRing.
    t("op prep", () => c.aring.op("x", n("prep")), "prep", "async"),
    t("chain build", () => c.aring.chain(n(5)), 5, "async"),
    r("nop timeout -1", () => c.aring.nop({ timeout: -1 }), -1, "async"),
  ],
  Multishot: (c) => [
    // Made by AsyncRing's multishot methods; their arguments are checked there.
    r("ticks interval -1", () => c.aring.ticks(-1), -1),
    r("poll fd -2", () => c.aring.poll(-2, 1), -2),
  ],
  // ------------------------------------------------------------ fs
  defaultRing: () => [], // replaced below: takes no argument (see EXEMPT)
  open: (c) => [
    t("open path", () => api.open(n(42)), 42, "async"),
    t("open flags", () => api.open(c.file, n("rw")), "rw", "async"),
    r("open flags -1", () => api.open(c.file, -1), -1, "async"),
    key("open", () => api.open(c.file, "r", UNKNOWN), "async"),
    t("open mode", () => api.open(c.file, "r", { mode: n("644") }), "644", "async"),
    t("open ring", () => api.open(c.file, "r", { ring: n("ring") }), "ring", "async"),
    t("open signal", () => api.open(c.file, "r", { signal: n("x") }), "x", "async"),
  ],
  File: (c) => [
    t("new File fd", () => new api.File(n("3"), c.aring), "3"),
    t("new File ring", () => new api.File(0, n("ring")), "ring"),
    // Methods, on a File over fd 0 that is never read.
    detachedCase("File.writeAll", () => new api.File(0, c.aring).writeAll(c.detached), "async"),
    key("File.allocate", () => new api.File(0, c.aring).allocate(0, 1, 0, UNKNOWN), "async"),
    r("File.advise offset", () => new api.File(0, c.aring).advise(-1, 0, 0), -1, "async"),
  ],
  readFile: (c) => [
    t("readFile path", () => api.readFile(n(42)), 42, "async"),
    key("readFile", () => api.readFile(c.file, UNKNOWN), "async"),
    t("readFile chunk", () => api.readFile(c.file, { chunk: n("4096") }), "4096", "async"),
    r("readFile depth", () => api.readFile(c.file, { depth: 0 }), 0, "async"),
  ],
  writeFile: (c) => [
    t("writeFile data", () => api.writeFile(join(c.dir, "w"), n(5)), 5, "async"),
    key("writeFile", () => api.writeFile(join(c.dir, "w"), "x", UNKNOWN), "async"),
    t("writeFile sync", () => api.writeFile(join(c.dir, "w"), "x", { sync: n("yes") }), "yes", "async"),
    t("writeFile append", () => api.writeFile(join(c.dir, "w"), "x", { append: n(1) }), 1, "async"),
  ],
  copyFile: (c) => [
    t("copyFile src", () => api.copyFile(n(1), "x"), 1, "async"),
    key("copyFile", () => api.copyFile(c.file, join(c.dir, "c"), UNKNOWN), "async"),
    t(
      "copyFile method",
      () => api.copyFile(c.file, join(c.dir, "c"), { method: n("fast") }),
      "fast",
      "async",
    ),
    t("copyFile atomic", () => api.copyFile(c.file, join(c.dir, "c"), { atomic: n("no") }), "no", "async"),
  ],
  stat: (c) => [
    t("stat path", () => api.stat(n(42)), 42, "async"),
    key("stat", () => api.stat(c.file, UNKNOWN), "async"),
    t("stat mask", () => api.stat(c.file, { mask: n("1") }), "1", "async"),
  ],
  lstat: (
    c,
  ) => [
    key("lstat", () => api.lstat(c.file, UNKNOWN), "async"),
    r("lstat mask", () => api.lstat(c.file, { mask: -1 }), -1, "async"),
  ],
  rename: (c) => [
    key("rename", () => api.rename(c.file, c.file, UNKNOWN), "async"),
    t("rename noReplace", () => api.rename(c.file, c.file, { noReplace: n("yes") }), "yes", "async"),
  ],
  unlink: (
    c,
  ) => [
    t("unlink path", () => api.unlink(n(1)), 1, "async"),
    key("unlink", () => api.unlink(join(c.dir, "none"), UNKNOWN), "async"),
  ],
  rmdir: (c) => [key("rmdir", () => api.rmdir(join(c.dir, "none"), UNKNOWN), "async")],
  mkdir: (c) => [
    key("mkdir", () => api.mkdir(join(c.dir, "m"), UNKNOWN), "async"),
    r("mkdir mode", () => api.mkdir(join(c.dir, "m"), { mode: 0o10000 }), 0o10000, "async"),
    t("mkdir recursive", () => api.mkdir(join(c.dir, "m"), { recursive: n("yes") }), "yes", "async"),
  ],
  symlink: (c) => [key("symlink", () => api.symlink(c.file, join(c.dir, "l"), UNKNOWN), "async")],
  link: (c) => [key("link", () => api.link(c.file, join(c.dir, "h"), UNKNOWN), "async")],
  getxattr: (c) => [
    key("getxattr", () => api.getxattr(c.file, "user.x", UNKNOWN), "async"),
    t("getxattr size", () => api.getxattr(c.file, "user.x", { size: n("10") }), "10", "async"),
  ],
  setxattr: (c) => [
    key("setxattr", () => api.setxattr(c.file, "user.x", "v", UNKNOWN), "async"),
    t("setxattr create", () => api.setxattr(c.file, "user.x", "v", { create: n(1) }), 1, "async"),
  ],
  madvise: (c) => [
    t("madvise advice", () => api.madvise(c.buf, n("1")), "1", "async"),
    key("madvise", () => api.madvise(c.buf, 0, UNKNOWN), "async"),
  ],
  ftruncate: () => [
    r("ftruncate fd", () => api.ftruncate(-1, 0), -1, "async"),
    key("ftruncate", () => api.ftruncate(0, 0, UNKNOWN), "async"),
  ],
  readdir: (c) => [
    t("readdir path", () => api.readdir(n(42)), 42, "async"),
    key("readdir", () => api.readdir(c.dir, UNKNOWN), "async"),
    t("readdir withFileTypes", () => api.readdir(c.dir, { withFileTypes: n(1) }), 1, "async"),
  ],
  readDir: (
    c,
  ) => [
    key("readDir", () => api.readDir(c.dir, UNKNOWN), "iter"),
    t("readDir path", () => api.readDir(n(1)), 1, "iter"),
  ],
  walk: (c) => [
    key("walk", () => api.walk(c.dir, UNKNOWN), "iter"),
    t("walk onError", () => api.walk(c.dir, { onError: n("log") }), "log", "iter"),
    r("walk maxDepth", () => api.walk(c.dir, { maxDepth: -1 }), -1, "iter"),
  ],
  FsBatch: (c) => [
    t("new FsBatch", () => new api.FsBatch(n(c.aring)), c.aring),
    key("FsBatch.stat", () => new api.FsBatch(c.ring).stat(c.file, UNKNOWN)),
    t("FsBatch.stat mask", () => new api.FsBatch(c.ring).stat(c.file, { mask: n("1") }), "1"),
  ],
  FsError: () => [t("FsError errno", () => new api.FsError(n("2"), "stat", "/x"), "2")],
  // ------------------------------------------------------------ buffers
  BufferRing: (c) => [
    key(
      "BufferRing.create",
      () => api.BufferRing.create(c.ring, { group: 1, size: 64, ...UNKNOWN as object } as never),
    ),
    t("BufferRing.create size", () => api.BufferRing.create(c.ring, { group: 1, size: n("64") }), "64"),
    r(
      "BufferRing.create entries",
      () => api.BufferRing.create(c.ring, { group: 1, size: 64, entries: 3 }),
      3,
    ),
    t("BufferRing.create ring", () => api.BufferRing.create(n("ring"), { group: 1, size: 64 }), "ring"),
    t(
      "BufferRing.create incremental",
      () => api.BufferRing.create(c.ring, { group: 1, size: 64, incremental: n(1) }),
      1,
    ),
    t("BufferRing.inRegion region", () => api.BufferRing.inRegion(n("r"), { group: 1, size: 64 }), "r"),
  ],
  ProvidedBuffers: (c) => [
    key(
      "ProvidedBuffers.create",
      () =>
        api.ProvidedBuffers.create(c.ring, { group: 2, count: 1, size: 64, ...UNKNOWN as object } as never),
    ),
    t(
      "ProvidedBuffers.create count",
      () => api.ProvidedBuffers.create(c.ring, { group: 2, count: n("1"), size: 64 }),
      "1",
    ),
    r(
      "ProvidedBuffers.create group",
      () => api.ProvidedBuffers.create(c.ring, { group: 65536, count: 1, size: 64 }),
      65536,
    ),
  ],
  BufferGroup: (c) => {
    // Abstract: its methods, through a BufferRing made for these cases.
    const g = api.BufferRing.create(c.ring, { group: 9, entries: 2, size: 64 });
    return [
      key("BufferGroup.read", () => g.read(0, 0, UNKNOWN)),
      t("BufferGroup.read length", () => g.read(0, 0, { length: n("8") }), "8"),
      r("BufferGroup.recv msgFlags", () => g.recv(0, -1), -1),
      t("BufferGroup.buffer id", () => g.buffer(n("0")), "0"),
    ];
  },
  checkProvide: () => [
    t("checkProvide addr", () => api.checkProvide(n("64"), 1, 1, 0), "64"),
    r("checkProvide count", () => api.checkProvide(4096, 1, 0, 0), 0),
  ],
  cqeBufferId: () => [
    t("cqeBufferId", () => api.cqeBufferId(n("1")), "1"),
    r("cqeBufferId -1", () => api.cqeBufferId(-1), -1),
  ],
  FixedBuffers: (c) => [
    t("FixedBuffers.register buffers", () => api.FixedBuffers.register(c.ring, n("x")), "x"),
    t("FixedBuffers.register ring", () => api.FixedBuffers.register(n(1), [c.buf]), 1),
    t("FixedBuffers.sparse slots", () => api.FixedBuffers.sparse(c.ring, n("4")), "4"),
    r("FixedBuffers.sparse 0", () => api.FixedBuffers.sparse(c.ring, 0), 0),
  ],
  FileBuffer: () => [t("new FileBuffer", () => new api.FileBuffer(n("x"), undefined), "x")],
  readFileSync: (c) => [
    t("readFileSync path", () => api.readFileSync(n(42)), 42),
    key("readFileSync", () => api.readFileSync(c.file, UNKNOWN)),
    t("readFileSync chunk", () => api.readFileSync(c.file, { chunk: n("4096") }), "4096"),
    t("readFileSync hugepages", () => api.readFileSync(c.file, { hugepages: n("yes") }), "yes"),
  ],
  // ------------------------------------------------------------ region
  ParamRegion: (c) => [
    t("ParamRegion.register ring", () => api.ParamRegion.register(n("r")), "r"),
    key("ParamRegion.register", () => api.ParamRegion.register(c.ring, UNKNOWN)),
    t("ParamRegion.register waitSlots", () => api.ParamRegion.register(c.ring, { waitSlots: n("2") }), "2"),
    t(
      "ParamRegion.register memory",
      () => api.ParamRegion.register(c.ring, { memory: n("shared") }),
      "shared",
    ),
    t("ParamRegion.of", () => api.ParamRegion.of(n(1)), 1),
  ],
  createRingWithRegion: () => [
    key("createRingWithRegion", () => api.createRingWithRegion(UNKNOWN)),
    t("createRingWithRegion waitSlots", () => api.createRingWithRegion({ waitSlots: n("2") }), "2"),
    key("createRingWithRegion region", () => api.createRingWithRegion({ region: UNKNOWN })),
    t(
      "createRingWithRegion region.size",
      () => api.createRingWithRegion({ region: { size: n("4096") } }),
      "4096",
    ),
  ],
  WaitSlots: (c) => {
    const w = new api.WaitSlots(c.ring);
    return [
      t("new WaitSlots ring", () => new api.WaitSlots(n(c.aring)), c.aring),
      key("new WaitSlots", () => new api.WaitSlots(c.ring, UNKNOWN)),
      t("new WaitSlots path", () => new api.WaitSlots(c.ring, { path: n("fast") }), "fast"),
      key("wait options", () => w.wait(0, UNKNOWN)),
      t("wait timeout", () => w.wait(0, { timeout: n("5") }), "5"),
      r("wait waitNr", () => w.wait(-1, { timeout: 1 }), -1),
      r("acquire minWaitUsec", () => w.acquire({ minWaitUsec: -1 }), -1),
      r("wait sigmask entry", () => w.wait(0, { sigmask: [99] }), 99),
    ];
  },
  requireRegions: () => [t("requireRegions running", () => api.requireRegions(n("6.13")), "6.13")],
  waitAreaBytes: () => [
    t("waitAreaBytes", () => api.waitAreaBytes(n("2")), "2"),
    r("waitAreaBytes -1", () => api.waitAreaBytes(-1), -1),
  ],
  // ------------------------------------------------------------ kernel module client
  KernelModule: (c) => {
    const out: Case[] = [
      t("KernelModule.open ring", () => api.KernelModule.open(n("ring")), "ring"),
      key("KernelModule.open", () => api.KernelModule.open(c.ring, UNKNOWN)),
      t("KernelModule.open timeoutMs", () => api.KernelModule.open(c.ring, { timeoutMs: n("5") }), "5"),
    ];
    // The methods, on a client of a regular file standing in for the device
    // (as tests/kmod_uapi_test.ts does): every check runs before the kernel.
    if (api.kernelAtLeast(api.REGION_SINCE)) {
      const r6 = api.createRingWithRegion({ entries: 8, region: { size: 4096 } });
      const k = api.KernelModule.open(r6.ring, { path: c.file });
      out.push(
        key("probe options", () => k.probe(UNKNOWN)),
        key(
          "registerBuffer request",
          () => k.registerBuffer({ index: 0, pages: 1, dest: true, ...UNKNOWN as object } as never),
        ),
        t("registerBuffer pages", () => k.registerBuffer({ index: 0, pages: n("1"), dest: true }), "1"),
        key("fill range", () => k.fill(1, { length: 1, ...UNKNOWN as object } as never)),
        t("checksum length", () => k.checksum(1, { length: n("8") }), "8"),
        key("command options", () => k.command(api.JskCmd.PROBE, new Uint8Array(8), UNKNOWN)),
        r("unregisterBuffer index", () => k.unregisterBuffer(65536), 65536),
      );
      CLEANUP.push(() => {
        k.close();
        r6[Symbol.dispose]();
      });
    }
    return out;
  },
  checkKmod: () => [
    t("checkKmod res", () => api.checkKmod(n("0"), 1), "0"),
    t("checkKmod cmdOp", () => api.checkKmod(-1, n("1")), "1"),
  ],
  kmodHint: () => [t("kmodHint errno", () => api.kmodHint(1, n("22")), "22")],
  kmodOpenHint: () => [
    t("kmodOpenHint path", () => api.kmodOpenHint(2, n(5)), 5),
    t("kmodOpenHint errno", () => api.kmodOpenHint(n("2"), "/dev/x"), "2"),
  ],
  jskCmdName: () => [t("jskCmdName", () => api.jskCmdName(n("1")), "1")],
  fillByte: () => [
    t("fillByte seed", () => api.fillByte(n("1"), 0), "1"),
    r("fillByte offset", () => api.fillByte(0, -1), -1),
  ],
  expectedFill: () => [t("expectedFill length", () => api.expectedFill(0, 0, n("4")), "4")],
  fnv1a64: () => [
    t("fnv1a64 bytes", () => api.fnv1a64(n("abc")), "abc"),
    t("fnv1a64 h", () => api.fnv1a64(new Uint8Array(1), n(1)), 1),
  ],
  // ------------------------------------------------------------ net (src/net is netkinds' and netio's)
  connect: () => [
    key("connect", () => api.connect({ port: 1, ...UNKNOWN as object } as never), "async"),
    r("connect port", () => api.connect({ port: 70000 }), 70000, "async"),
    t("connect hostname", () => api.connect({ hostname: n(5), port: 1 }), 5, "async"),
  ],
  listen: () => [
    key("listen", () => api.listen({ port: 0, ...UNKNOWN as object } as never), "async"),
    r("listen port", () => api.listen({ port: -1 }), -1, "async"),
    t("listen ring", () => api.listen({ port: 0, ring: n("x") }), "x", "async"),
  ],
  pipe: () => [key("pipe", () => api.pipe(UNKNOWN), "async")],
  // udpSocket({ port: -1 }) says "got -1" without the type: netio's (src/net/udp.ts), reported.
  udpSocket: () => [key("udpSocket", () => api.udpSocket(UNKNOWN), "async")],
  // ------------------------------------------------------------ http
  serveDir: (c) => [
    t("serveDir options", () => api.serveDir(n("x")), "x", "async"),
    {
      what: "serveDir: unknown option",
      call: () => api.serveDir({ root: c.dir, ...UNKNOWN as object } as never),
      cls: TypeError,
      text: '"bogus"',
      kind: "async",
    },
    t("serveDir port", () => api.serveDir({ root: c.dir, port: n("80") }), "80", "async"),
    t("serveDir hostname", () => api.serveDir({ root: c.dir, hostname: n(1) }), 1, "async"),
    t("serveDir listing", () => api.serveDir({ root: c.dir, listing: n("yes") }), "yes", "async"),
    t("serveDir onLog", () => api.serveDir({ root: c.dir, onLog: n("log") }), "log", "async"),
    r("serveDir revalidate", () => api.serveDir({ root: c.dir, revalidate: -1 }), -1, "async"),
    {
      what: "serveDir limits: unknown",
      call: () => api.serveDir({ root: c.dir, limits: n({ bogus: 1 }) }),
      cls: TypeError,
      text: '"bogus"',
      kind: "async",
    },
  ],
  contentType: () => [t("contentType", () => api.contentType(n(5)), 5)],
  encodePath: () => [t("encodePath", () => api.encodePath(n(5)), 5)],
  errorResponse: () => [t("errorResponse status", () => api.errorResponse(n("404"), 1, true, false), "404")],
  responseHead: () => [
    t("responseHead status", () => api.responseHead(n("200"), 1, true, "", 0), "200"),
    r("responseHead minor", () => api.responseHead(200, 2, true, "", 0), 2),
  ],
  evaluatePreconditions:
    () => [t("evaluatePreconditions etag", () => api.evaluatePreconditions({}, n(1), 0), 1)],
  fileEtag: () => [t("fileEtag ino", () => api.fileEtag(n("1"), 1, 1), "1")],
  strongMatch: () => [t("strongMatch", () => api.strongMatch(n(1), "a"), 1)],
  formatHttpDate: () => [
    t("formatHttpDate", () => api.formatHttpDate(n("0")), "0"),
    r("formatHttpDate NaN", () => api.formatHttpDate(NaN), NaN),
  ],
  httpDateNow: () => [t("httpDateNow", () => api.httpDateNow(n("0")), "0")],
  parseHttpDate: () => [t("parseHttpDate", () => api.parseHttpDate(n(0)), 0)],
  ifRangeMatches: () => [t("ifRangeMatches", () => api.ifRangeMatches(n(1), '"e"', 0), 1)],
  parseRange: () => [
    t("parseRange header", () => api.parseRange(n(1), 10), 1),
    t("parseRange size", () => api.parseRange("bytes=0-1", n("10")), "10"),
  ],
  parseRequest: () => [
    t("parseRequest buf", () => api.parseRequest(n("GET"), 0, 3, new api.RequestHead()), "GET"),
    r("parseRequest end", () => api.parseRequest(new Uint8Array(4), 0, 9, new api.RequestHead()), 9),
  ],
  RequestHead: () => [t("new RequestHead", () => new api.RequestHead(n("8")), "8")],
  resolvePath: () => [t("resolvePath", () => api.resolvePath(n(1)), 1)],
  // ------------------------------------------------------------ subpaths
  "./serve:main": () => [], // see EXEMPT
};

// Added by others since; rows for what they check.
TABLE.readFiles = (c) => [
  t("readFiles paths", () => api.readFiles(n("x")), "x", "async"),
  t("readFiles paths[0]", () => api.readFiles(n([1])), 1, "async"),
  key("readFiles", () => api.readFiles([c.file], UNKNOWN), "async"),
];
TABLE.FileTable = (c) => [
  t("FileTable.of ring", () => api.FileTable.of(n("x")), "x"),
  t("FileTable.of ring", () => api.FileTable.of(n(7)), 7),
  key("FileTable.of", () => api.FileTable.of(c.aring, UNKNOWN)),
  t("FileTable.of size", () => api.FileTable.of(c.aring, { size: n("8") }), "8"),
];

/** More cases for an export's row. */
function extend(name: string, more: Entry): void {
  const first = TABLE[name];
  TABLE[name] = (c) => [...first(c), ...more(c)];
}
extend("AsyncRingCore", (c) => [
  t("run op", () => c.aring.run(n("nop"), n([])), "nop", "async"),
  t("multishot prep", () => c.aring.multishot(n("prep")), "prep"),
  key("multishot options", () => c.aring.multishot(() => {}, UNKNOWN)),
]);
extend("Multishot", (c) => [
  t("new Multishot host", () => new api.Multishot(n("host"), () => {}, {}), "host"),
  t("multishot options.ends", () => c.aring.multishot(() => {}, { ends: n(1) }), 1),
]);
// Detached buffers: a detached array reads as empty, so each of these did the wrong thing quietly
// (writeFile cut the file to 0 bytes, setxattr set an empty value, fnv1a64 hashed nothing).
extend(
  "writeFile",
  (c) => [detachedCase("writeFile data", () => api.writeFile(c.file, c.detached), "async")],
);
extend(
  "setxattr",
  (c) => [detachedCase("setxattr value", () => api.setxattr(c.file, "user.x", c.detached), "async")],
);
extend("madvise", (c) => [detachedCase("madvise", () => api.madvise(c.detached, 0), "async")]);
extend("fnv1a64", (c) => [detachedCase("fnv1a64", () => api.fnv1a64(c.detached))]);
extend(
  "FixedBuffers",
  (c) => [detachedCase("FixedBuffers.register", () => api.FixedBuffers.register(c.ring, [c.detached]))],
);
extend("ProvidedBuffers", (c) => [
  detachedCase(
    "ProvidedBuffers.create memory",
    () => api.ProvidedBuffers.create(c.ring, { group: 2, count: 1, size: 16, memory: c.detached }),
  ),
]);

/** Exports with no bad-argument cases, and why. */
const EXEMPT: Record<string, string> = {};
function exempt(reason: string, names: string[]): void {
  for (const name of names) EXEMPT[name] = reason;
}
exempt("a constant (number or string): nothing to call", [
  "AT_FDCWD",
  "BUF_DESC_SIZE",
  "IORING_URING_CMD_FIXED",
  "JSK_IOC_TYPE",
  "MAX_FIXED_BUFFERS",
  "MAX_FIXED_BUFFER_SIZE",
  "MAX_PROVIDED_BUFFERS",
  "MAX_RING_ENTRIES",
  "PAGE_SIZE",
  "SEND_ZC_THRESHOLD",
  "SIGSET_SIZE",
  "WAIT_SLOT_SIZE",
  "DEFAULT_CONTENT_TYPE",
  "JSK_DEVICE_PATH",
  "KMOD_SLICE",
  "REGION_SINCE",
  "WAIT_SIGMASKS_SLICE",
  "WAIT_SLOTS_SLICE",
]);
exempt("a table of constants (frozen object): nothing to call", [
  "AF",
  "AT",
  "AcceptFlag",
  "CancelFlag",
  "CqeFlag",
  "DEFAULT_LIMITS",
  "DEFAULT_SERVER_LIMITS",
  "EFD",
  "EnterFlag",
  "Errno",
  "FALLOC_FL",
  "Feature",
  "Header",
  "IPV6",
  "JSK_CMD_STRUCT",
  "JSK_FNV1A",
  "JskBufFlag",
  "JskCmd",
  "JskConst",
  "JskFeature",
  "KMOD_STRUCTS",
  "MADV",
  "MFD",
  "MSG",
  "Method",
  "Misc",
  "O",
  "OPCODES",
  "OPERATIONS",
  "MULTISHOT_OPERATIONS",
  "OP_NAMES",
  "Op",
  "POLL",
  "POSIX_FADV",
  "PbufFlag",
  "PollFlag",
  "RENAME",
  "RESOLVE",
  "RecvSendFlag",
  "Register",
  "RingFlag",
  "SHUT",
  "SIG",
  "SO",
  "SOCK",
  "SOL",
  "SPLICE_F",
  "STATUS_TEXT",
  "SYNC_FILE_RANGE",
  "S_IF",
  "SetupFlag",
  "SocketCmd",
  "SqeFlag",
  "TCP",
  "TimeoutFlag",
  "XATTR",
]);
exempt("a struct layout (offsets and size): nothing to call", [
  "cmsghdr",
  "io_uring_recvmsg_out",
  "jsk_buf_op",
  "jsk_buf_register",
  "jsk_buf_unregister",
  "jsk_probe",
  "msghdr",
  "open_how",
  "sockaddr_in",
  "sockaddr_in6",
  "sockaddr_un",
]);
exempt("takes no arguments (extra ones are ignored, as for any JS function)", [
  "defaultRing",
  "kernelRelease",
  "kernelVersion",
  "memlockLimit",
  "hugepageShortage",
]);
exempt("builds an error message from any value: the value is the bad argument being reported", [
  "quote",
  "fieldError",
]);
exempt(
  "the unchecked u64 splitter under every SQE writer: each writer checks the value for its field first " +
    "(checkU64/checkSize), a second check here would run twice per field on the per-operation path",
  ["putU64"],
);
exempt("an Error subclass for a message the library composes; like Error it takes any message", [
  "NativeUnavailableError",
  "ResolveError",
]);
exempt(
  "src/net (issue 12): made by connect/listen/udpSocket and accept (direct or not), whose arguments are checked (see their rows); the constructors take a descriptor or slot the library opened",
  [
    "TcpConn",
    "DirectConn",
    "TcpListener",
    "UdpSocket",
    "SocketError",
    "formatAddr",
    "ipVersion",
  ],
);
exempt("made by serveDir (see its row); has no method that takes an argument", ["FileServer"]);
exempt("the serve command line: argv is parsed and bad flags exit 2 with usage (tests/http_cli_test.ts)", [
  "./serve:main",
]);

// Every SQE writer and setter: "64" and NaN in each numeric argument, and an `at` that is not an SQE's offset.
for (const [name, v] of Object.entries(api)) {
  if (typeof v !== "function") continue;
  if (
    /^(prep[A-Z]|set[A-Z]|addIoprioFlags$|clearSqeFlags$|getSqeFlags$|clearSqe128Cmd$)/.test(name) &&
    !(name in TABLE)
  ) {
    if (name === "setupFlags") continue;
    TABLE[name] = (c) => writer(name, v as (...args: unknown[]) => unknown, c.s);
  }
}
delete TABLE.defaultRing;
delete TABLE["./serve:main"];

const CLEANUP: (() => void)[] = [];

/** Every export of every entry point in deno.json, keyed as the table keys them. */
async function allExports(): Promise<Map<string, unknown>> {
  const config = JSON.parse(readFileSync(new URL("../deno.json", import.meta.url), "utf8"));
  const out = new Map<string, unknown>();
  const root = api as Record<string, unknown>;
  for (const name of Object.keys(root)) out.set(name, root[name]);
  for (const [sub, path] of Object.entries(config.exports as Record<string, string>)) {
    if (sub === ".") continue;
    const mod = await import(new URL(`../${path.slice(2)}`, import.meta.url).href);
    for (const [name, value] of Object.entries(mod)) {
      // The same value under the same name as the package root: one row covers both.
      if (name in root && root[name] === value) continue;
      out.set(`${sub}:${name}`, value);
    }
  }
  return out;
}

test("the table covers every export of the package and its subpaths (or says why not)", async () => {
  const exports = await allExports();
  const missing = [...exports.keys()].filter((k) => !(k in TABLE) && !(k in EXEMPT));
  assert.deepEqual(
    missing,
    [],
    `exports with no bad-argument cases: add rows to TABLE in tests/bad_args_test.ts (or to EXEMPT with a reason): ${
      missing.join(", ")
    }`,
  );
  const both = Object.keys(TABLE).filter((k) => k in EXEMPT);
  assert.deepEqual(both, [], "in TABLE and EXEMPT both");
  const stale = [...Object.keys(TABLE), ...Object.keys(EXEMPT)].filter((k) => !exports.has(k));
  assert.deepEqual(stale, [], "rows for names that are no longer exported");
  // A callable export is exempt only for a reason that says so; constants are not callable.
  for (const [name, reason] of Object.entries(EXEMPT)) {
    if (/constant|struct layout/.test(reason)) {
      assert.notEqual(
        typeof exports.get(name),
        "function",
        `${name} is exempt as a constant but is callable`,
      );
    }
  }
});

/** Run one case: the right error class, the value quoted, and async ones reject without a synchronous throw. */
async function run(c: Case): Promise<void> {
  const check = (e: unknown) => {
    const ok = c.cls === "either" ? e instanceof TypeError || e instanceof RangeError : e instanceof c.cls;
    assert.ok(
      ok,
      `${c.what}: expected ${c.cls === "either" ? "TypeError or RangeError" : c.cls.name}, got ${e}`,
    );
    assert.ok(
      (e as Error).message.includes(c.text),
      `${c.what}: message ${JSON.stringify((e as Error).message)} does not quote ${c.text}`,
    );
    assert.doesNotMatch(
      (e as Error).message,
      /is not a function|Cannot read propert/,
      `${c.what}: an internal error leaked`,
    );
  };
  let result: unknown;
  try {
    result = c.call();
  } catch (e) {
    assert.equal(
      c.kind,
      "sync",
      `${c.what}: threw synchronously (${e}); it returns a promise and must reject`,
    );
    check(e);
    return;
  }
  assert.notEqual(c.kind, "sync", `${c.what}: accepted (returned ${show(result)})`);
  if (c.kind === "iter") {
    const it = result as AsyncIterator<unknown>;
    assert.equal(typeof it?.next, "function", `${c.what}: not an async iterator`);
    result = it.next();
  }
  assert.ok(result instanceof Promise, `${c.what}: returned ${show(result)}, not a promise`);
  let settled: unknown = "resolved";
  await (result as Promise<unknown>).then((v) => settled = v, (e) => {
    settled = undefined;
    check(e);
  });
  assert.equal(settled, undefined, `${c.what}: resolved with ${show(settled)} instead of rejecting`);
}

test("every public function and constructor refuses bad arguments with a TypeError or RangeError quoting them", async () => {
  using dir = tempDir();
  const file = fileWith(dir.path, "f", pattern(4096, 3));
  const detached = new Uint8Array(16);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  assert.equal(detached.byteLength, 0, "the buffer is detached");
  using ring = api.Ring.create({ entries: 16 });
  await using aring = api.AsyncRing.create({ entries: 16 });
  const c: Ctx = {
    ring,
    aring,
    s: api.sqeViews(new ArrayBuffer(128)),
    buf: new Uint8Array(16),
    detached,
    file,
    dir: dir.path,
  };
  const failures: string[] = [];
  let count = 0;
  try {
    for (const [name, entry] of Object.entries(TABLE)) {
      const cases = entry(c);
      assert.ok(cases.length > 0, `${name} has no cases`);
      for (const k of cases) {
        count++;
        try {
          await run(k);
        } catch (e) {
          failures.push(`${name}: ${(e as Error).message}`);
        }
      }
    }
  } finally {
    for (const f of CLEANUP.splice(0)) f();
  }
  assert.deepEqual(failures, [], `${failures.length} of ${count} cases failed:\n${failures.join("\n")}`);
  // Nothing reached the kernel: no SQE queued, nothing in flight.
  assert.equal(ring.pending, 0);
  assert.equal(aring.inFlight, 0);
  assert.equal(await aring.nop(), 0);
});
