/**
 * src/cmd/ against the kernel module's uapi header (the source of truth,
 * kernel-module/include/uapi/jsuring_kmod.h): a C program generated from the
 * TypeScript tables prints every command number, flag, constant, struct size,
 * field offset and field size, and each is compared. Then the pure parts that
 * need no device: the fill pattern and FNV-1a against the module's formulas
 * compiled as C, the URING_CMD SQE layout, the error hints, and the client's
 * argument checks (opened on a regular file, which has no ->uring_cmd). The module
 * itself is tested in the VM (kernel-module/vm/deno/).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  IORING_URING_CMD_FIXED,
  JSK_CMD_STRUCT,
  JSK_DEVICE_PATH,
  JSK_FNV1A,
  JSK_IOC_TYPE,
  JskBufFlag,
  JskCmd,
  jskCmdName,
  JskConst,
  JskFeature,
  KMOD_STRUCTS,
} from "../src/cmd/uapi.ts";
import { expectedFill, fillByte, fnv1a64 } from "../src/cmd/fnv.ts";
import { prepUringCmd } from "../src/cmd/uring_cmd.ts";
import { checkKmod, KernelModule, KMOD_SLICE, kmodHint, kmodOpenHint } from "../src/cmd/kmod.ts";
import { sqeViews } from "../src/ops/sqe.ts";
import { Op } from "../src/abi/opcodes.ts";
import { io_uring_sqe } from "../src/abi/layout.ts";
import { UringError } from "../src/errors/uring_error.ts";
import { Ring } from "../src/ring/ring.ts";
import { createRingWithRegion, REGION_SINCE } from "../src/region/region.ts";
import { buildC, hasGcc, parseLines, ROOT, runExe } from "./_cbuild.ts";
import { fileWith, needsKernel, pattern, skipIf, tempDir } from "./_helpers.ts";

const UAPI_DIR = join(ROOT, "kernel-module", "include", "uapi");
const HEADER = join(UAPI_DIR, "jsuring_kmod.h");

/** One value the C program prints and what src/cmd says it is. */
interface Item {
  readonly key: string;
  readonly expr: string;
  readonly expected: bigint;
}

function items(): Item[] {
  const out: Item[] = [];
  const c = (sym: string, v: number | bigint) => out.push({ key: sym, expr: sym, expected: BigInt(v) });
  for (const [k, v] of Object.entries(JskCmd)) c(`JSK_CMD_${k}`, v);
  for (const [k, v] of Object.entries(JskFeature)) c(`JSK_FEAT_${k}`, v);
  for (const [k, v] of Object.entries(JskBufFlag)) c(`JSK_BUF_${k}`, v);
  for (const [k, v] of Object.entries(JskConst)) c(`JSK_${k}`, v);
  c("JSK_IOC_TYPE", JSK_IOC_TYPE);
  // the one io_uring constant the client adds to an SQE (UNREGISTER names its slot)
  c("IORING_URING_CMD_FIXED", IORING_URING_CMD_FIXED);
  c("JSK_FNV1A_BASIS", JSK_FNV1A.BASIS);
  c("JSK_FNV1A_PRIME", JSK_FNV1A.PRIME);
  // The command numbers decode to the struct each command exchanges.
  for (const [k, s] of Object.entries(JSK_CMD_STRUCT)) {
    out.push({ key: `_IOC_SIZE:${k}`, expr: `_IOC_SIZE(JSK_CMD_${k})`, expected: BigInt(s.size) });
    out.push({ key: `_IOC_TYPE:${k}`, expr: `_IOC_TYPE(JSK_CMD_${k})`, expected: BigInt(JSK_IOC_TYPE) });
  }
  for (const s of KMOD_STRUCTS) {
    const t = `struct ${s.cName}`;
    out.push({ key: `sizeof:${s.cName}`, expr: `sizeof(${t})`, expected: BigInt(s.size) });
    for (const [f, [off, size]] of Object.entries(s.fields)) {
      out.push({ key: `offsetof:${s.cName}.${f}`, expr: `offsetof(${t}, ${f})`, expected: BigInt(off) });
      out.push({ key: `sizeof:${s.cName}.${f}`, expr: `sizeof(((${t} *)0)->${f})`, expected: BigInt(size) });
    }
  }
  return out;
}

const ITEMS = items();

function uapiSource(): string {
  return [
    "#include <stdio.h>",
    "#include <stddef.h>",
    "#include <linux/io_uring.h>",
    "#include <string.h>",
    '#include "jsuring_kmod.h"',
    '#define P(key, value) printf("%s %llu\\n", key, (unsigned long long)(value))',
    "int main(void)",
    "{",
    ...ITEMS.map((i) => `\tP(${JSON.stringify(i.key)}, ${i.expr});`),
    `\tP("devpath", strcmp(JSK_DEVICE_PATH, ${JSON.stringify(JSK_DEVICE_PATH)}) == 0);`,
    "\treturn 0;",
    "}",
    "",
  ].join("\n");
}

/** The module's formulas (kernel-module/jsuring.c jsk_cmd_buf_op), copied, plus test drivers. */
const FORMULAS = `#include <stdint.h>
#include <stdio.h>
#include "jsuring_kmod.h"
static uint8_t buf[1 << 17];
static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = JSK_FNV1A_BASIS;
	while (n--)
		h = (h ^ *p++) * JSK_FNV1A_PRIME;
	return h;
}
/* as the module's FILL: byte at buffer offset o */
static void fill(uint32_t seed, uint32_t off, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		uint32_t o = off + i;
		buf[i] = (uint8_t)(seed + o + (o >> 8) + (o >> 16));
	}
}
/* tests/_helpers.ts pattern(): xorshift32 */
static void xorshift(uint32_t seed, size_t len)
{
	uint32_t x = seed ? seed : 1;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		buf[i] = x & 0xff;
	}
}
int main(void)
{
	static const uint32_t cases[][3] = {
		{ 0, 0, 1 }, { 0x5a, 0, 8192 }, { 9, 4000, 200 }, { 7, 0, 4096 },
		{ 0xffffffffu, 65000, 70000 }, { 0x12345678u, 0xfffff000u, 4096 },
		{ 1, 0xffffff00u, 255 }, { 3, 16777000u, 1000 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fill(cases[i][0], cases[i][1], cases[i][2]);
		printf("fill:%u:%u:%u %llu\\n", cases[i][0], cases[i][1], cases[i][2],
		       (unsigned long long)fnv(buf, cases[i][2]));
	}
	static const uint32_t lens[] = { 0, 1, 2, 7, 8, 100, 4096, 131072 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		xorshift(i + 1, lens[i]);
		printf("random:%zu:%u %llu\\n", i + 1, lens[i], (unsigned long long)fnv(buf, lens[i]));
	}
	return 0;
}
`;

const noGcc = hasGcc() ? false : "gcc not found (scripts/setup.sh installs it)";
// The host needs <linux/types.h> and <linux/ioctl.h> (linux-libc-dev, any version).
const skipC = skipIf(noGcc);

function build(name: string, source: string): string {
  const r = buildC(name, source, { cflags: [`-I${UAPI_DIR}`], deps: [HEADER] });
  if (!r.ok) assert.fail(`gcc failed (${r.source}):\n${r.stderr}`);
  return r.exe;
}

test("src/cmd/uapi.ts matches jsuring_kmod.h: commands, flags, constants, struct sizes and offsets", {
  skip: skipC,
}, () => {
  const values = parseLines(runExe(build("kmod_uapi", uapiSource())));
  const problems: string[] = [];
  for (const item of ITEMS) {
    const got = values.get(item.key);
    if (got === undefined) problems.push(`${item.expr}: not printed`);
    else if (BigInt(got) !== item.expected) {
      problems.push(`${item.expr}: header says ${got}, src/cmd says ${item.expected}`);
    }
  }
  assert.equal(values.get("devpath"), "1", `JSK_DEVICE_PATH is not ${JSK_DEVICE_PATH}`);
  if (problems.length) assert.fail(`jsuring_kmod.h vs src/cmd/uapi.ts:\n  ${problems.join("\n  ")}`);
  assert.ok(ITEMS.length > 60, `${ITEMS.length} items checked`);
});

test("every JSK_CMD_* and struct in the header is mirrored (no name left out)", { skip: skipC }, () => {
  const text = readFileSync(HEADER, "utf8");
  const cmds = [...text.matchAll(/#define\s+JSK_CMD_(\w+)\s/g)].map((m) => m[1]).sort();
  assert.deepEqual(cmds, Object.keys(JskCmd).sort());
  const structs = [...text.matchAll(/^struct\s+(\w+)\s*\{/gm)].map((m) => m[1]).sort();
  assert.deepEqual(structs, KMOD_STRUCTS.map((s) => s.cName).sort());
  const feats = [...text.matchAll(/#define\s+JSK_FEAT_(\w+)\s/g)].map((m) => m[1]).sort();
  assert.deepEqual(feats, Object.keys(JskFeature).sort());
  const bufFlags = [...text.matchAll(/#define\s+JSK_BUF_(\w+)\s/g)].map((m) => m[1]).sort();
  assert.deepEqual(bufFlags, Object.keys(JskBufFlag).sort());
  // Each struct's fields, in the header's order.
  for (const s of KMOD_STRUCTS) {
    const body = text.match(new RegExp(`struct ${s.cName} \\{([^}]*)\\}`))![1];
    const fields = [...body.matchAll(/__u(?:32|64)\s+(\w+);/g)].map((m) => m[1]);
    assert.deepEqual(fields, Object.keys(s.fields), `struct ${s.cName}`);
  }
});

test(
  "fnv1a64(expectedFill()) and fnv1a64 of random bytes match the module's formulas in C",
  { skip: skipC },
  () => {
    const values = parseLines(runExe(build("kmod_formulas", FORMULAS)));
    let n = 0;
    for (const [key, value] of values) {
      const [kind, a, b, c] = key.split(":").map((x, i) => (i ? Number(x) : x)) as [
        string,
        number,
        number,
        number,
      ];
      const got = kind === "fill" ? fnv1a64(expectedFill(a, b, c)) : fnv1a64(pattern(b, a));
      assert.equal(got, BigInt(value), key);
      n++;
    }
    assert.equal(n, 16);
  },
);

test("fnv1a64: known vectors, continuation, agrees with a BigInt reference", () => {
  const enc = new TextEncoder();
  assert.equal(fnv1a64(new Uint8Array(0)), 0xcbf29ce484222325n);
  assert.equal(fnv1a64(enc.encode("a")), 0xaf63dc4c8601ec8cn);
  assert.equal(fnv1a64(enc.encode("foobar")), 0x85944171f73967e8n);
  const data = pattern(10000, 7);
  assert.equal(fnv1a64(data.subarray(5000), fnv1a64(data.subarray(0, 5000))), fnv1a64(data));
  let h = JSK_FNV1A.BASIS;
  for (const b of data.subarray(0, 1000)) h = ((h ^ BigInt(b)) * JSK_FNV1A.PRIME) & 0xffffffffffffffffn;
  assert.equal(fnv1a64(data.subarray(0, 1000)), h);
});

test("expectedFill and fillByte: the pattern wraps at u32 offsets and seeds", () => {
  assert.deepEqual([...expectedFill(0, 0, 4)], [0, 1, 2, 3]);
  assert.equal(fillByte(0x5a, 0x10203), 0x60);
  const f = expectedFill(0xffffffff, 0xfffffffe, 4); // offsets wrap to 0, 1
  assert.deepEqual([...f], [fillByte(0xffffffff, 0xfffffffe), fillByte(0xffffffff, 0xffffffff), 0xff, 0]);
  assert.equal(expectedFill(1, 0, 0).length, 0);
  assert.throws(() => expectedFill(1, 0, -1), RangeError);
});

test("prepUringCmd writes opcode 46, cmd_op at byte 8, addr, len and zeroes the rest", () => {
  const buf = new ArrayBuffer(128);
  const bytes = new Uint8Array(buf).fill(0xaa);
  const s = sqeViews(buf);
  prepUringCmd(s, 64, 5, JskCmd.PROBE, 2 ** 40 + 8, 64);
  const dv = new DataView(buf, 64);
  const F = io_uring_sqe.fields;
  assert.equal(dv.getUint8(F.opcode[0]), Op.URING_CMD);
  assert.equal(Op.URING_CMD, 46);
  assert.equal(dv.getUint8(F.flags[0]), 0);
  assert.equal(dv.getUint16(F.ioprio[0], true), 0);
  assert.equal(dv.getInt32(F.fd[0], true), 5);
  assert.equal(dv.getUint32(F.cmd_op[0], true), 0xc0406a00);
  assert.equal(dv.getUint32(12, true), 0, "__pad1");
  assert.equal(dv.getBigUint64(F.addr[0], true), 2n ** 40n + 8n);
  assert.equal(dv.getUint32(F.len[0], true), 64);
  assert.equal(dv.getUint32(F.uring_cmd_flags[0], true), 0);
  assert.equal(dv.getUint16(F.buf_index[0], true), 0);
  assert.equal(dv.getUint32(F.file_index[0], true), 0);
  assert.ok(bytes.subarray(64 + 48, 128).every((b) => b === 0), "command area (addr3, __pad2)");
  assert.deepEqual([...bytes.subarray(64 + 32, 64 + 40)], new Array(8).fill(0xaa), "user_data untouched");
  assert.ok(bytes.subarray(0, 64).every((b) => b === 0xaa), "the SQE before is untouched");
});

test("the module's limits give their errno and a hint naming the knob (RLIMIT_MEMLOCK, the page caps)", () => {
  // RLIMIT_MEMLOCK: ENOMEM, as io_uring's registered buffers and mlock(2) report it
  const memlock = kmodHint(JskCmd.BUF_REGISTER, 12)!;
  assert.match(memlock, /RLIMIT_MEMLOCK/);
  assert.match(memlock, /ulimit -l/);
  assert.match(memlock, /CAP_IPC_LOCK/);
  // the module parameters: ENOBUFS, naming both and where they are set
  const cap = kmodHint(JskCmd.BUF_REGISTER, 105)!;
  assert.match(cap, /max_pages_per_open/);
  assert.match(cap, /max_pages_total/);
  assert.match(cap, /\/sys\/module\/jsuring\/parameters/);
  assert.throws(() => checkKmod(-105, JskCmd.BUF_REGISTER), (e: unknown) => {
    assert.ok(e instanceof UringError);
    assert.equal(e.code, "ENOBUFS");
    assert.equal(e.op, "jsuring_kmod.BUF_REGISTER");
    assert.match(e.message, /max_pages_per_open/);
    return true;
  });
  assert.throws(() => checkKmod(-12, JskCmd.BUF_REGISTER), (e: unknown) => {
    assert.ok(e instanceof UringError);
    assert.equal(e.code, "ENOMEM");
    assert.match(e.message, /RLIMIT_MEMLOCK/);
    return true;
  });
});

test("jskCmdName and kmodHint name commands and explain the module's errnos", () => {
  assert.equal(jskCmdName(JskCmd.BUF_REGISTER), "BUF_REGISTER");
  assert.equal(jskCmdName(0x1234), "0x1234");
  assert.match(kmodHint(JskCmd.PROBE, 6)!, /no param region/);
  assert.match(kmodHint(JskCmd.BUF_REGISTER, 95)!, /io_buffer_register_bvec/);
  assert.match(kmodHint(0x1234, 95)!, /unknown command/);
  assert.match(kmodHint(JskCmd.BUF_REGISTER, 16)!, /occupied/);
  assert.match(kmodHint(JskCmd.BUF_UNREGISTER, 16)!, /user buffer/);
  assert.match(kmodHint(JskCmd.BUF_UNREGISTER, 1)!, /not registered through this open file/);
  assert.match(kmodHint(JskCmd.BUF_REGISTER, 22)!, /past the ring's fixed-buffer table/);
  assert.match(kmodHint(JskCmd.BUF_FILL, 2)!, /no live kernel buffer .* this open file/);
  assert.match(kmodHint(JskCmd.PROBE, 14)!, /not inside the ring's param region/);
  assert.equal(kmodHint(JskCmd.PROBE, 5), undefined);
  assert.equal(checkKmod(0, JskCmd.PROBE), 0);
  assert.throws(() => checkKmod(-16, JskCmd.BUF_REGISTER), (e: unknown) => {
    assert.ok(e instanceof UringError);
    assert.equal(e.code, "EBUSY");
    assert.equal(e.op, "jsuring_kmod.BUF_REGISTER");
    assert.match(e.hint!, /occupied/);
    return true;
  });
});

const noRegions = skipIf(needsKernel(REGION_SINCE, "param regions"));

test("KernelModule.open refuses a ring without a param region, or closed, with TypeError", () => {
  using ring = Ring.create({ entries: 8 });
  assert.throws(() => KernelModule.open(ring), /no param region/);
  assert.throws(() => KernelModule.open(ring), TypeError);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => KernelModule.open(null as any), TypeError);
  const closed = Ring.create({ entries: 8 });
  closed.close();
  assert.throws(() => KernelModule.open(closed), /closed/);
});

test(
  "KernelModule.open without permission: the hint states the security model, not a world-open udev rule",
  { skip: noRegions },
  () => {
    // A file its owner may not open, as /dev/jsuring (0600 root) is for everyone else.
    using dir = tempDir();
    const path = fileWith(dir.path, "jsuring", new Uint8Array(1));
    chmodSync(path, 0o000);
    using r = createRingWithRegion({ entries: 8, region: { size: 4096 } });
    let hint = kmodOpenHint(13, path);
    try {
      KernelModule.open(r.ring, { path }).close(); // root: CAP_DAC_OVERRIDE opens it anyway
    } catch (e) {
      assert.ok(e instanceof UringError);
      assert.equal(e.code, "EACCES");
      hint = e.hint;
    }
    for (const h of [hint!, kmodOpenHint(1, path)!]) {
      assert.match(h, /root-only \(mode 0600\)/);
      assert.match(h, /pin kernel memory/);
      assert.match(h, /RLIMIT_MEMLOCK/);
      assert.match(h, /trusted group/);
      assert.match(h, /Security model/);
      assert.doesNotMatch(h, /udev rule/);
    }
  },
);

test(
  "KernelModule.open of a missing device: UringError ENOENT, 'load the module'",
  { skip: noRegions },
  () => {
    using r = createRingWithRegion({ entries: 8, region: { size: 4096 } });
    assert.throws(() => KernelModule.open(r.ring, { path: "/nonexistent/jsuring" }), (e: unknown) => {
      assert.ok(e instanceof UringError);
      assert.equal(e.code, "ENOENT");
      assert.equal(e.op, "jsuring_kmod.open");
      assert.match(e.hint!, /insmod jsuring\.ko/);
      return true;
    });
    assert.throws(() => KernelModule.open(r.ring, { path: "" }), TypeError);
    assert.throws(() => KernelModule.open(r.ring, { timeoutMs: 0 }), RangeError);
  },
);

test("the client checks arguments before the kernel (on a regular file, which has no ->uring_cmd)", {
  skip: noRegions,
}, () => {
  // Not /dev/null: some kernels (this host's 6.18) give it a ->uring_cmd that completes with 0.
  using dir = tempDir();
  const path = fileWith(dir.path, "not-a-device", new Uint8Array(1));
  using r = createRingWithRegion({ entries: 8, region: { size: 4096 } });
  using kmod = KernelModule.open(r.ring, { path });
  assert.ok(kmod.fd >= 0);
  assert.equal(kmod.slice.name, KMOD_SLICE);
  assert.equal(kmod.slice.offset % 8, 0);
  // A second client on the same ring shares the slice.
  using again = KernelModule.open(r.ring, { path });
  assert.equal(again.slice, kmod.slice);
  const bad: Array<[() => unknown, ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor]> = [
    [() => kmod.registerBuffer({ index: -1, pages: 1, dest: true }), RangeError],
    [() => kmod.registerBuffer({ index: 2 ** 32, pages: 1, dest: true }), RangeError],
    [() => kmod.registerBuffer({ index: 1.5, pages: 1, dest: true }), RangeError],
    [() => kmod.registerBuffer({ index: 0, pages: 0, dest: true }), RangeError],
    [() => kmod.registerBuffer({ index: 0, pages: JskConst.MAX_PAGES + 1, dest: true }), RangeError],
    [() => kmod.registerBuffer({ index: 0, pages: 1 }), TypeError],
    [() => kmod.registerBuffer({ index: 0, pages: 1, dest: false, source: false }), TypeError],
    // deno-lint-ignore no-explicit-any
    [() => kmod.registerBuffer({ index: 0, pages: 1, dest: 1 as any }), TypeError],
    // deno-lint-ignore no-explicit-any
    [() => kmod.registerBuffer(null as any), TypeError],
    [() => kmod.unregisterBuffer(-1), RangeError],
    [() => kmod.unregisterBuffer(NaN), RangeError],
    [() => kmod.unregisterBuffer(65536), RangeError], // the SQE's buf_index is u16
    [() => kmod.command(JskCmd.BUF_UNREGISTER, new Uint8Array(8), { bufIndex: 65536 }), RangeError],
    [() => kmod.fill(-1, { length: 1 }), RangeError],
    [() => kmod.fill(2 ** 53, { length: 1 }), RangeError],
    [() => kmod.fill(1, { length: 0 }), RangeError],
    [() => kmod.fill(1, { length: 2 ** 32 }), RangeError],
    [() => kmod.fill(1, { offset: -1, length: 1 }), RangeError],
    [() => kmod.fill(1, { offset: 2 ** 32 - 1, length: 2 }), RangeError],
    [() => kmod.fill(1, { length: 1, seed: -1 }), RangeError],
    // deno-lint-ignore no-explicit-any
    [() => kmod.checksum(1, null as any), TypeError],
    [() => kmod.command(JskCmd.PROBE, new Uint8Array(65)), RangeError], // larger than the slice
    [() => kmod.command(JskCmd.PROBE, new Uint8Array(8), { offset: -8 }), RangeError],
    [() => kmod.command(2 ** 32, new Uint8Array(8)), RangeError],
  ];
  for (const [i, [fn, type]] of bad.entries()) assert.throws(fn, type, `case ${i}`);
  assert.equal(r.ring.inFlight, 0, "nothing was submitted");
  // A regular file has no ->uring_cmd: the kernel's EOPNOTSUPP arrives as a UringError.
  assert.throws(() => kmod.probe(), (e: unknown) => {
    assert.ok(e instanceof UringError);
    assert.equal(e.code, "EOPNOTSUPP");
    assert.equal(e.op, "jsuring_kmod.PROBE");
    return true;
  });
  assert.equal(kmod.command(JskCmd.PROBE, new Uint8Array(64)), -95);
  // UNREGISTER names its slot to io_uring: IORING_URING_CMD_FIXED + buf_index
  let unreg: number[] = [];
  assert.throws(() => kmod.unregisterBuffer(513), /EOPNOTSUPP/);
  kmod.command(JskCmd.BUF_UNREGISTER, new Uint8Array(8), {
    bufIndex: 513,
    patch: (s, at) => unreg = [s.u32[(at >> 2) + 7], s.u16[(at >> 1) + 20], s.u32[(at >> 2) + 2]],
  });
  assert.deepEqual(unreg, [1, 513, JskCmd.BUF_UNREGISTER]);
  // A client sharing the first one's open file (buffer ids are per open file).
  {
    using r2 = createRingWithRegion({ entries: 8, region: { size: 4096 } });
    const shared = KernelModule.open(r2.ring, { share: kmod });
    assert.equal(shared.fd, kmod.fd);
    shared.close();
    assert.equal(kmod.command(JskCmd.PROBE, new Uint8Array(64)), -95, "closing the sharer left the fd open");
    // deno-lint-ignore no-explicit-any
    assert.throws(() => KernelModule.open(r2.ring, { share: {} as any }), TypeError);
  }
  // Other completions reaped meanwhile are kept for the caller.
  r.ring.nop({ tag: "mine" });
  assert.equal(kmod.command(JskCmd.PROBE, new Uint8Array(64), { async: true }), -95);
  assert.deepEqual(kmod.takeCompletions(), [{ res: 0, flags: 0, tag: "mine" }]);
  assert.deepEqual(kmod.takeCompletions(), []);
  kmod.close();
  assert.equal(kmod.fd, -1);
  assert.throws(() => kmod.probe(), /closed/);
  kmod.close(); // twice is fine
});

test("on an SQE128 ring the client clears the SQE's second half (the module's command area)", {
  skip: noRegions,
}, () => {
  using dir = tempDir();
  const path = fileWith(dir.path, "not-a-device", new Uint8Array(1));
  using r = createRingWithRegion({ entries: 8, sqe128: true, region: { size: 4096 } });
  using kmod = KernelModule.open(r.ring, { path });
  r.ring.sqes.u8.fill(0xee);
  let second: number[] = [];
  kmod.command(JskCmd.PROBE, new Uint8Array(64), {
    patch: (s, at) => second = [...s.u32.subarray((at >> 2) + 16, (at >> 2) + 32)],
  });
  assert.deepEqual(second, new Array(16).fill(0));
});
