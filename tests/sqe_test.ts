/**
 * The pure SQE writers of src/ops/sqe.ts, byte for byte against the system
 * liburing's own io_uring_prep_* inline functions (tests/c/sqe_golden.c), and
 * the pure ring sizing of src/ring/setup.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import {
  OPCODES,
  prepCancel,
  prepClose,
  prepFsync,
  prepLinkTimeout,
  prepNop,
  prepOpenat,
  prepProvideBuffers,
  prepRead,
  prepReadFixed,
  prepReadv,
  prepRemoveBuffers,
  prepStatx,
  prepTimeout,
  prepWrite,
  prepWriteFixed,
  prepWritev,
  putU64,
  setSqeFlags,
  setUserData,
  type SqeViews,
  sqeViews,
} from "../src/ops/sqe.ts";
import { prepUringCmd } from "../src/cmd/uring_cmd.ts";
import { Misc, SetupFlag, SqeFlag } from "../src/abi/flags.ts";
import { ringLayout, setupFlags } from "../src/ring/setup.ts";
import { buildC, hasGcc, parseLines, runExe } from "./_cbuild.ts";
import { skipIf } from "./_helpers.ts";

// The arguments of tests/c/sqe_golden.c.
const ADDR = 0x123456789a0;
const OFF = 0x1122334455;
const CUR = -1;
const UD = 0xbadc0ffee1234;
const TS = ADDR;
const TWO53M1 = Number.MAX_SAFE_INTEGER;

type Op = keyof typeof OPCODES;

/** A golden case: the OPCODES row it covers, the writer call, its user_data. */
interface Case {
  readonly op: Op;
  readonly write: (s: SqeViews, at: number) => void;
  readonly userData?: number;
}

/** Named as in sqe_golden.c; `op` is the OPCODES entry the case covers. */
const CASES: Readonly<Record<string, Case>> = {
  "nop": { op: "nop", write: (s, at) => prepNop(s, at) },

  "read": { op: "read", write: (s, at) => prepRead(s, at, 7, ADDR, 4096, OFF) },
  "read.curpos": { op: "read", write: (s, at) => prepRead(s, at, 7, ADDR, 4096, CUR) },
  "read.off0": { op: "read", write: (s, at) => prepRead(s, at, 0, ADDR, 0, 0) },
  "read.off2^32": { op: "read", write: (s, at) => prepRead(s, at, 7, ADDR, 4096, 2 ** 32) },
  "read.off2^53-1": { op: "read", write: (s, at) => prepRead(s, at, 7, ADDR, 4096, TWO53M1) },
  "read.maxlen": {
    op: "read",
    write: (s, at) => prepRead(s, at, 2147483647, TWO53M1, 0xffffffff, OFF),
  },
  "write": { op: "write", write: (s, at) => prepWrite(s, at, 7, ADDR, 4096, OFF) },
  "write.curpos": { op: "write", write: (s, at) => prepWrite(s, at, 7, ADDR, 4096, CUR) },

  "readv": { op: "readv", write: (s, at) => prepReadv(s, at, 7, ADDR, 3, OFF) },
  "readv.curpos": { op: "readv", write: (s, at) => prepReadv(s, at, 7, ADDR, 1, CUR) },
  "writev": { op: "writev", write: (s, at) => prepWritev(s, at, 7, ADDR, 3, OFF) },
  "writev.curpos": { op: "writev", write: (s, at) => prepWritev(s, at, 7, ADDR, 1, CUR) },

  "readFixed": { op: "readFixed", write: (s, at) => prepReadFixed(s, at, 7, ADDR, 4096, OFF, 5) },
  "readFixed.bigindex": {
    op: "readFixed",
    write: (s, at) => prepReadFixed(s, at, 7, ADDR, 4096, CUR, 0xbeef),
  },
  "writeFixed": { op: "writeFixed", write: (s, at) => prepWriteFixed(s, at, 7, ADDR, 4096, OFF, 5) },
  "writeFixed.bigindex": {
    op: "writeFixed",
    write: (s, at) => prepWriteFixed(s, at, 7, ADDR, 4096, CUR, 0xffff),
  },

  "fsync": { op: "fsync", write: (s, at) => prepFsync(s, at, 7, 0) },
  "fsync.datasync": { op: "fsync", write: (s, at) => prepFsync(s, at, 7, Misc.FSYNC_DATASYNC) },

  "openat": { op: "openat", write: (s, at) => prepOpenat(s, at, -100, ADDR, 0x80241, 0o644) },
  "openat.rdonly": { op: "openat", write: (s, at) => prepOpenat(s, at, 7, ADDR, 0, 0) },

  "close": { op: "close", write: (s, at) => prepClose(s, at, 7) },

  "statx": {
    op: "statx",
    write: (s, at) => prepStatx(s, at, -100, ADDR, 0x100, 0x7ff, 0x7fff12345600),
  },

  "timeout": { op: "timeout", write: (s, at) => prepTimeout(s, at, TS, 3, 5) },
  "timeout.plain": { op: "timeout", write: (s, at) => prepTimeout(s, at, TS, 0, 0) },
  "linkTimeout": { op: "linkTimeout", write: (s, at) => prepLinkTimeout(s, at, TS, 8) },
  "linkTimeout.plain": { op: "linkTimeout", write: (s, at) => prepLinkTimeout(s, at, TS, 0) },

  "cancel": { op: "cancel", write: (s, at) => prepCancel(s, at, 0x1122334455667, 5) },
  "cancel.allones": { op: "cancel", write: (s, at) => prepCancel(s, at, -1, 0) },

  "provideBuffers": {
    op: "provideBuffers",
    write: (s, at) => prepProvideBuffers(s, at, ADDR, 4096, 8, 0x1234, 65535),
  },
  "provideBuffers.zero": {
    op: "provideBuffers",
    write: (s, at) => prepProvideBuffers(s, at, ADDR, 1, 1, 0, 0),
  },
  "removeBuffers": { op: "removeBuffers", write: (s, at) => prepRemoveBuffers(s, at, 8, 0x1234) },

  "uringCmd": { op: "uringCmd", write: (s, at) => prepUringCmd(s, at, 7, 0xc0406a00, 512, 64) },
  "uringCmd.bigaddr": {
    op: "uringCmd",
    write: (s, at) => prepUringCmd(s, at, -1, 0xffffffff, ADDR, 0xffffffff),
  },

  "flags.link-async": {
    op: "read",
    write: (s, at) => {
      prepRead(s, at, 7, ADDR, 4096, OFF);
      setSqeFlags(s, at, SqeFlag.IO_LINK | SqeFlag.ASYNC);
    },
  },
  "flags.all": {
    op: "nop",
    write: (s, at) => {
      prepNop(s, at);
      setSqeFlags(s, at, 0x7f);
    },
  },
  "flags.fixed-file": {
    op: "writeFixed",
    write: (s, at) => {
      prepWriteFixed(s, at, 3, ADDR, 4096, OFF, 2);
      setSqeFlags(s, at, SqeFlag.FIXED_FILE);
    },
  },

  "userData.0": { op: "nop", write: (s, at) => prepNop(s, at), userData: 0 },
  "userData.2^32-1": { op: "nop", write: (s, at) => prepNop(s, at), userData: 2 ** 32 - 1 },
  "userData.2^32": { op: "nop", write: (s, at) => prepNop(s, at), userData: 2 ** 32 },
  "userData.2^53-1": { op: "nop", write: (s, at) => prepNop(s, at), userData: TWO53M1 },
  "userData.-1": { op: "nop", write: (s, at) => prepNop(s, at), userData: -1 },
};

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Where a golden and a written SQE differ, by byte range, for the failure message. */
function diff(want: string, got: string): string {
  const out: string[] = [];
  for (let i = 0; i < 64; i++) {
    const w = want.slice(2 * i, 2 * i + 2), g = got.slice(2 * i, 2 * i + 2);
    if (w !== g) out.push(`byte ${i}: liburing ${w}, jsuring ${g}`);
  }
  return out.join("; ");
}

/** One SQE written by `c` into a 64-byte buffer filled with 0xAA. */
function written(c: Case): string {
  const buf = new ArrayBuffer(64);
  new Uint8Array(buf).fill(0xaa);
  const s = sqeViews(buf);
  c.write(s, 0);
  setUserData(s, 0, c.userData ?? UD);
  return hex(new Uint8Array(buf));
}

/** Skip reason, or the golden SQEs by case name (or the build failure, which fails the tests). */
function golden(): { skip: string | false; sqes?: Map<string, string>; error?: string } {
  if (!hasGcc()) return { skip: "gcc not found (scripts/setup.sh installs it)" };
  const source = readFileSync(new URL("./c/sqe_golden.c", import.meta.url), "utf8");
  const built = buildC("sqe_golden", source, {
    deps: ["/usr/include/liburing.h", "/usr/include/liburing/io_uring.h"].filter((f) => existsSync(f)),
  });
  if (!built.ok) {
    if (/liburing\.h: No such file/.test(built.stderr)) {
      return { skip: "<liburing.h> not found (scripts/setup.sh installs liburing-dev)" };
    }
    return { skip: false, error: `gcc failed on tests/c/sqe_golden.c:\n${built.stderr}` };
  }
  return { skip: false, sqes: parseLines(runExe(built.exe)) };
}

const gold = golden();
const skip = skipIf(gold.skip);

function goldenSqes(): Map<string, string> {
  if (gold.error) assert.fail(gold.error);
  return gold.sqes!;
}

test("sqe_golden.c and this file have the same cases, covering every OPCODES entry", { skip }, () => {
  assert.deepEqual([...goldenSqes().keys()].sort(), Object.keys(CASES).sort());
  const covered = new Set(Object.values(CASES).map((c) => c.op));
  assert.deepEqual([...covered].sort(), Object.keys(OPCODES).sort());
});

for (const [op, row] of Object.entries(OPCODES)) {
  const names = Object.keys(CASES).filter((n) => CASES[n].op === op && !/^(flags|userData)\./.test(n));
  test(`${op} writer matches liburing ${row.liburing} byte for byte (${names.join(", ")})`, { skip }, () => {
    const sqes = goldenSqes();
    for (const name of names) {
      const want = sqes.get(name)!, got = written(CASES[name]);
      assert.equal(got, want, `${name}: ${diff(want, got)}`);
      // The opcode byte is the one OPCODES names.
      assert.equal(parseInt(got.slice(0, 2), 16), row.opcode, `${name}: opcode`);
    }
  });
}

test("setSqeFlags matches io_uring_sqe_set_flags", { skip }, () => {
  const sqes = goldenSqes();
  for (const name of Object.keys(CASES).filter((n) => n.startsWith("flags."))) {
    const want = sqes.get(name)!, got = written(CASES[name]);
    assert.equal(got, want, `${name}: ${diff(want, got)}`);
  }
});

test("setUserData matches io_uring_sqe_set_data64 for 0, 2^32-1, 2^32, 2^53-1 and -1", { skip }, () => {
  const sqes = goldenSqes();
  for (const name of Object.keys(CASES).filter((n) => n.startsWith("userData."))) {
    const want = sqes.get(name)!, got = written(CASES[name]);
    assert.equal(got, want, `${name}: ${diff(want, got)}`);
  }
});

test("writers at a non-zero offset write only their own SQE", { skip }, () => {
  const sqes = goldenSqes();
  for (const [name, c] of Object.entries(CASES)) {
    const buf = new ArrayBuffer(3 * 64);
    const bytes = new Uint8Array(buf).fill(0xaa);
    const s = sqeViews(buf);
    c.write(s, 64);
    setUserData(s, 64, c.userData ?? UD);
    assert.equal(hex(bytes.subarray(64, 128)), sqes.get(name), `${name} at byte 64`);
    assert.ok(bytes.subarray(0, 64).every((b) => b === 0xaa), `${name} wrote before its SQE`);
    assert.ok(bytes.subarray(128).every((b) => b === 0xaa), `${name} wrote after its SQE`);
  }
});

test("putU64 writes 0, 2^32, 2^53-1 and -1 as little-endian word pairs", () => {
  const cases: Array<[number, number, number]> = [
    [0, 0, 0],
    [1, 1, 0],
    [2 ** 32 - 1, 0xffffffff, 0],
    [2 ** 32, 0, 1],
    [2 ** 32 + 5, 5, 1],
    [OFF, 0x22334455, 0x11],
    [TWO53M1, 0xffffffff, 0x1fffff],
    [-1, 0xffffffff, 0xffffffff],
  ];
  for (const [value, lo, hi] of cases) {
    const u32 = new Uint32Array([0xaaaaaaaa, 0xaaaaaaaa, 0xaaaaaaaa, 0xaaaaaaaa]);
    putU64(u32, 1, value);
    assert.deepEqual([...u32], [0xaaaaaaaa, lo, hi, 0xaaaaaaaa], `putU64(${value})`);
    const back = new DataView(u32.buffer).getBigUint64(4, true);
    assert.equal(back, value === -1 ? 2n ** 64n - 1n : BigInt(value), `putU64(${value}) as u64`);
  }
});

test("setupFlags maps options to IORING_SETUP_* bits", () => {
  assert.equal(setupFlags({}), 0);
  assert.equal(setupFlags({ entries: 64 }), 0);
  assert.equal(setupFlags({ cqEntries: 64 }), SetupFlag.CQSIZE);
  assert.equal(setupFlags({ sqpoll: true }), SetupFlag.SQPOLL);
  assert.equal(setupFlags({ sqpoll: { idleMs: 100 } }), SetupFlag.SQPOLL);
  assert.equal(setupFlags({ sqpoll: { cpu: 1 } }), SetupFlag.SQPOLL | SetupFlag.SQ_AFF);
  assert.equal(setupFlags({ sqpoll: false, coopTaskrun: true }), SetupFlag.COOP_TASKRUN);
  assert.equal(
    setupFlags({ singleIssuer: true, deferTaskrun: true }),
    SetupFlag.SINGLE_ISSUER | SetupFlag.DEFER_TASKRUN,
  );
  assert.equal(
    setupFlags({ coopTaskrun: true, taskrunFlag: true }),
    SetupFlag.COOP_TASKRUN | SetupFlag.TASKRUN_FLAG,
  );
  assert.equal(
    setupFlags({ singleIssuer: true, deferTaskrun: true, taskrunFlag: true }),
    SetupFlag.SINGLE_ISSUER | SetupFlag.DEFER_TASKRUN | SetupFlag.TASKRUN_FLAG,
  );
  assert.equal(
    setupFlags({ sqe128: true, cqe32: true, disabled: true, noSqArray: true, submitAll: true }),
    SetupFlag.SQE128 | SetupFlag.CQE32 | SetupFlag.R_DISABLED | SetupFlag.NO_SQARRAY |
      SetupFlag.SUBMIT_ALL,
  );
  assert.equal(setupFlags({ memory: "user" }) & SetupFlag.NO_MMAP, 0, "NO_MMAP is not setupFlags' business");
});

test("setupFlags rejects combinations the kernel refuses with TypeError", () => {
  assert.throws(() => setupFlags({ deferTaskrun: true }), TypeError);
  assert.throws(() => setupFlags({ sqpoll: true, coopTaskrun: true }), TypeError);
  assert.throws(() => setupFlags({ sqpoll: { cpu: 0 }, coopTaskrun: true }), TypeError);
  assert.throws(() => setupFlags({ sqpoll: true, singleIssuer: true, deferTaskrun: true }), TypeError);
  assert.throws(() => setupFlags({ sqpoll: true, taskrunFlag: true }), TypeError);
  assert.throws(() => setupFlags({ taskrunFlag: true }), TypeError);
});

test("ringLayout rejects entries 0 / 32769 and cqEntries < entries with RangeError", () => {
  assert.throws(() => ringLayout(0, undefined, 0), RangeError);
  assert.throws(() => ringLayout(-1, undefined, 0), RangeError);
  assert.throws(() => ringLayout(32769, undefined, 0), RangeError);
  assert.throws(() => ringLayout(1.5, undefined, 0), RangeError);
  assert.throws(() => ringLayout(NaN, undefined, 0), RangeError);
  assert.throws(() => ringLayout(8, 4, 0), RangeError);
  assert.throws(() => ringLayout(8, 0, 0), RangeError);
  assert.throws(() => ringLayout(8, 65537, 0), RangeError);
  assert.doesNotThrow(() => ringLayout(32768, undefined, 0));
  assert.doesNotThrow(() => ringLayout(8, 65536, 0));
  assert.doesNotThrow(() => ringLayout(8, 8, 0));
});

test("ringLayout rounds to powers of two, CQ = 2 x SQ by default", () => {
  const sizes: Array<[number, number | undefined, number, number]> = [
    [1, undefined, 1, 2],
    [2, undefined, 2, 4],
    [3, undefined, 4, 8],
    [100, undefined, 128, 256],
    [256, undefined, 256, 512],
    [257, undefined, 512, 1024],
    [32768, undefined, 32768, 65536],
    [8, 100, 8, 128],
    [8, 8, 8, 8],
    [5, 6, 8, 8],
    [8, 65536, 8, 65536],
  ];
  for (const [entries, cq, sqEntries, cqEntries] of sizes) {
    const l = ringLayout(entries, cq, 0);
    assert.deepEqual([l.sqEntries, l.cqEntries], [sqEntries, cqEntries], `ringLayout(${entries}, ${cq})`);
  }
});

test("ringLayout sizes: rings_size() sum, SQE128 and CQE32 doubling, NO_SQARRAY", () => {
  // 64 bytes of struct io_rings, then the CQEs, cache-line aligned, then the u32 SQ array.
  const plain = ringLayout(256, undefined, 0);
  assert.deepEqual(plain, {
    sqEntries: 256,
    cqEntries: 512,
    sqeSize: 64,
    cqeSize: 16,
    ringsBytes: 64 + 512 * 16 + 256 * 4,
    sqesBytes: 256 * 64,
  });
  const big = ringLayout(256, undefined, SetupFlag.SQE128 | SetupFlag.CQE32);
  assert.equal(big.sqeSize, 128);
  assert.equal(big.cqeSize, 32);
  assert.equal(big.sqesBytes, 256 * 128);
  assert.equal(big.ringsBytes, (64 + 512 * 16) * 2 + 256 * 4, "CQE32 doubles struct_size(rings, cqes, cq)");
  const noArray = ringLayout(256, undefined, SetupFlag.NO_SQARRAY);
  assert.equal(noArray.ringsBytes, 64 + 512 * 16);
  // Cache-line alignment before the SQ array: 64 + 2 * 16 = 96 -> 128.
  const tiny = ringLayout(1, undefined, 0);
  assert.equal(tiny.ringsBytes, 128 + 1 * 4);
  assert.equal(ringLayout(1, undefined, SetupFlag.NO_SQARRAY).ringsBytes, 128);
  // CQE32 on the tiny ring: (64 + 2 * 16) * 2 = 192, already aligned.
  assert.equal(ringLayout(1, undefined, SetupFlag.CQE32).ringsBytes, 192 + 4);
  // (64 + 1 * 16) * 2 = 160 -> 192.
  assert.equal(ringLayout(1, 1, SetupFlag.CQE32).ringsBytes, 192 + 4);
});
