/**
 * The jsuring kernel module through the TypeScript client (src/cmd/), inside
 * the VM:
 *
 *   kernel-module/vm/run.sh --deno kernel-module/vm/deno
 *
 * A port of vm/kmod_test.c (which stays: it is the independent check) to
 * KernelModule: probe, zero copy both ways, directions, the region exchange
 * of every command, io-wq issue, the bad-input table, buffer lifetime (release
 * exactly once, after the I/O; ring close with I/O in flight) and a fuzz run.
 * The C suite's two-thread stress and rmmod tests have no port (one JS thread;
 * module reload is not the client's business). node:test + node:assert/strict.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import {
  checkKmod,
  closeFd,
  type Completion,
  createRingWithRegion,
  eventfd,
  expectedFill,
  FixedBuffers,
  fnv1a64,
  IORING_URING_CMD_FIXED,
  jsk_buf_op,
  jsk_buf_register,
  jsk_buf_unregister,
  jsk_probe,
  JskBufFlag,
  JskCmd,
  JskConst,
  JskFeature,
  KernelModule,
  type ModuleProbe,
  prepReadFixed,
  prepUringCmd,
  prepWriteFixed,
  Ring,
  type RingWithRegion,
  setBufIndex,
  setOpFlags,
  SqeFlag,
  UringError,
} from "../../../mod.ts";

const EINVAL = 22, ENXIO = 6, EOPNOTSUPP = 95, EFAULT = 14, EBUSY = 16, ENOENT = 2, EPERM = 1;
const REGION_SIZE = 2 * 4096;
const TABLE_SIZE = 16;
const TMP = mkdtempSync("/tmp/kmod-deno-");

/** A ring with a region, a sparse table and a client; dispose closes all. */
interface Env extends Disposable {
  r: RingWithRegion;
  ring: Ring;
  kmod: KernelModule;
  table: FixedBuffers | undefined;
  /** Completions of our own operations the client reaped while it waited. */
  others: Completion[];
}

function env(options: { table?: number; before?: number; submitAll?: boolean; share?: KernelModule } = {}): Env {
  const r = createRingWithRegion({
    entries: 64,
    submitAll: options.submitAll ?? true,
    region: { size: REGION_SIZE },
  });
  // A slice before the client's, so its struct has canaries on both sides.
  if (options.before) r.region!.slice("before", options.before, 8);
  const table = options.table ? FixedBuffers.sparse(r.ring, options.table) : undefined;
  const others: Completion[] = [];
  const kmod = KernelModule.open(r.ring, {
    onCompletion: (res, flags, tag) => others.push({ res, flags, tag }),
    share: options.share,
  });
  return {
    r,
    ring: r.ring,
    kmod,
    table,
    others,
    [Symbol.dispose]() {
      kmod.close();
      table?.[Symbol.dispose]();
      r[Symbol.dispose]();
    },
  };
}

/** Queue one SQE, wait for it (through the client's loop if needed), return its res. */
function one(e: Env, prep: (at: number) => void): number {
  const at = e.ring.getSqe();
  prep(at);
  const tag = {};
  e.ring.track(at, tag);
  e.ring.submitAndWait(1);
  for (;;) {
    const mine = e.others.findIndex((c) => c.tag === tag);
    if (mine >= 0) return e.others.splice(mine, 1)[0].res;
    let res: number | undefined;
    e.ring.reap((r, _f, t) => t === tag ? res = r : e.others.push({ res: r, flags: _f, tag: t }));
    if (res !== undefined) return res;
    e.ring.submitAndWait(1);
  }
}

/** READ_FIXED / WRITE_FIXED on a kernel buffer: `boff` is the offset inside it. */
function rwFixed(e: Env, write: boolean, fd: number, boff: number, len: number, foff: number, index: number): number {
  return one(e, (at) => (write ? prepWriteFixed : prepReadFixed)(e.ring.sqes, at, fd, boff, len, foff, index));
}

function tmpFile(name: string, data?: Uint8Array): { fd: number; path: string } {
  const path = join(TMP, name);
  writeFileSync(path, data ?? new Uint8Array(0));
  return { fd: openSync(path, "r+"), path };
}

function readAt(fd: number, len: number, pos: number): Uint8Array {
  const b = new Uint8Array(len);
  assert.equal(readSync(fd, b, 0, len, pos), len);
  return b;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A client on a ring of its own for probing counters. Counters are per open
 * file (module version 2): share `with`'s file to see its buffers.
 */
function observer(share?: KernelModule): Env {
  return env({ submitAll: false, share });
}

/** A module-wide figure from /sys/module/jsuring/parameters (root-only). */
function moduleParam(name: string): number {
  return Number(readFileSync(`/sys/module/jsuring/parameters/${name}`, "utf8").trim());
}

/** Probe until released/freed reach the wanted values (ring teardown is async), then once more. */
function waitCounters(obs: Env, released: number, freed: number): ModuleProbe {
  for (let i = 0; i < 500; i++) {
    const p = obs.kmod.probe();
    if (p.bufsReleased >= released && p.bufsFreed >= freed) break;
    sleep(10);
  }
  sleep(50); // a release running twice would show up now
  return obs.kmod.probe();
}

/** Before a counting test: every buffer of every opener released and freed (module-wide figures). */
function settle(): void {
  for (let i = 0; i < 500 && moduleParam("bufs_live") !== 0; i++) sleep(10);
  assert.equal(moduleParam("bufs_live"), 0, "buffers left over from an earlier test");
  assert.equal(moduleParam("pages_pinned"), 0);
}

let info: ModuleProbe;
{
  using e = env();
  info = e.kmod.probe();
}
const needBvec = info.bvec ? false : "no io_buffer_register_bvec() on this kernel (PROBE: no JSK_FEAT_BVEC_REG)";
if (needBvec) console.log(`# skip: ${needBvec}`);

test("probe reports version, features, commands and limits", () => {
  using e = env();
  const p = e.kmod.probe();
  assert.equal(p.version, JskConst.VERSION);
  assert.ok(p.features & JskFeature.REGION);
  assert.equal(p.commands, p.bvec ? 0x1f : 0x1);
  assert.equal(p.maxPages, JskConst.MAX_PAGES);
  assert.equal(p.pageSize, 4096);
  assert.equal(p.bufsLive, p.bufsAllocated - p.bufsFreed);
  console.log(`# probe: version ${p.version} features 0x${p.features.toString(16)} bvec ${p.bvec}`);
});

test("probe goes through the region: non-zero input refused, first and last slot of the region", () => {
  using e = env();
  const req = new Uint8Array(jsk_probe.size);
  req[jsk_probe.fields.max_pages[0]] = 1;
  assert.equal(e.kmod.command(JskCmd.PROBE, req), -EINVAL);
  const region = e.r.region!;
  for (const off of [0, REGION_SIZE - jsk_probe.size]) {
    region.bytes.fill(0, off, off + jsk_probe.size);
    assert.equal(e.kmod.command(JskCmd.PROBE, new Uint8Array(0), { offset: off, len: jsk_probe.size }), 0);
    assert.equal(region.view.getUint32(off + jsk_probe.fields.version[0], true), JskConst.VERSION);
  }
});

test("a ring without a param region: TypeError from the client, ENXIO from the module", () => {
  using ring = Ring.create({ entries: 16 });
  assert.throws(() => KernelModule.open(ring), (err: unknown) => {
    assert.ok(err instanceof TypeError);
    assert.match(err.message, /no param region/);
    return true;
  });
  // The module's own answer, through a raw SQE on the device fd.
  const fd = openSync("/dev/jsuring", "r+");
  try {
    const cmds: Array<[number, number]> = [[JskCmd.PROBE, 64]];
    if (info.bvec) cmds.push([JskCmd.BUF_REGISTER, 32], [JskCmd.BUF_CHECKSUM, 32]);
    for (const [op, len] of cmds) {
      const at = ring.getSqe();
      prepUringCmd(ring.sqes, at, fd, op, 0, len);
      ring.track(at, "raw");
      ring.submitAndWait(1);
      const [c] = ring.completions();
      assert.equal(c.res, -ENXIO);
      assert.throws(() => checkKmod(c.res, op), (err: unknown) => {
        assert.ok(err instanceof UringError);
        assert.equal(err.code, "ENXIO");
        assert.match(err.hint!, /no param region/);
        return true;
      });
    }
  } finally {
    closeSync(fd);
  }
});

test("zero copy: kernel buffer -> WRITE_FIXED -> file", { skip: needBvec }, () => {
  using e = env({ table: TABLE_SIZE });
  const pages = 4, size = pages * 4096, seed = 0x5a;
  const b = e.kmod.registerBuffer({ index: 3, pages, source: true });
  assert.ok(b.bufId !== 0);
  assert.equal(b.size, size);
  const want = expectedFill(seed, 0, size);
  assert.equal(e.kmod.fill(b.bufId, { length: size, seed }), fnv1a64(want));
  const f = tmpFile("zc-write");
  try {
    assert.equal(rwFixed(e, true, f.fd, 0, size, 0, 3), size);
    assert.deepEqual(readAt(f.fd, size, 0), want);
    // a piece from the middle, across a page boundary
    assert.equal(rwFixed(e, true, f.fd, 4096 + 100, 5000, 100000, 3), 5000);
    assert.deepEqual(readAt(f.fd, 5000, 100000), want.subarray(4096 + 100, 4096 + 100 + 5000));
    // past the end of the kernel buffer
    assert.equal(rwFixed(e, true, f.fd, size - 10, 20, 0, 3), -EFAULT);
  } finally {
    closeSync(f.fd);
  }
  e.kmod.unregisterBuffer(3);
});

test("zero copy: file -> READ_FIXED -> kernel buffer", { skip: needBvec }, () => {
  using e = env({ table: TABLE_SIZE });
  const pages = 8, size = pages * 4096;
  const data = crypto.getRandomValues(new Uint8Array(size));
  const f = tmpFile("zc-read", data);
  try {
    const b = e.kmod.registerBuffer({ index: 0, pages, dest: true });
    assert.equal(e.kmod.checksum(b.bufId, { length: size }), fnv1a64(new Uint8Array(size)), "fresh pages are zero");
    assert.equal(rwFixed(e, false, f.fd, 0, size, 0, 0), size);
    assert.equal(e.kmod.checksum(b.bufId, { length: size }), fnv1a64(data));
    // 3000 file bytes from 777 to buffer offset 10000
    assert.equal(rwFixed(e, false, f.fd, 10000, 3000, 777, 0), 3000);
    assert.equal(e.kmod.checksum(b.bufId, { offset: 10000, length: 3000 }), fnv1a64(data.subarray(777, 3777)));
    e.kmod.unregisterBuffer(0);
  } finally {
    closeSync(f.fd);
  }
});

test("buffer directions DEST / SOURCE are enforced", { skip: needBvec }, () => {
  using e = env({ table: TABLE_SIZE });
  const f = tmpFile("dirs", new Uint8Array(4096).fill(0x33));
  try {
    const both = e.kmod.registerBuffer({ index: 1, pages: 1, dest: true, source: true });
    assert.equal(rwFixed(e, false, f.fd, 0, 4096, 0, 1), 4096);
    assert.equal(rwFixed(e, true, f.fd, 0, 4096, 4096, 1), 4096);
    assert.equal(e.kmod.checksum(both.bufId, { length: 4096 }), fnv1a64(new Uint8Array(4096).fill(0x33)));
    assert.deepEqual(readAt(f.fd, 4096, 4096), new Uint8Array(4096).fill(0x33));
    e.kmod.registerBuffer({ index: 2, pages: 1, dest: true });
    e.kmod.registerBuffer({ index: 4, pages: 1, source: true });
    assert.equal(rwFixed(e, true, f.fd, 0, 4096, 0, 2), -EFAULT, "WRITE_FIXED from a DEST-only buffer");
    assert.equal(rwFixed(e, false, f.fd, 0, 4096, 0, 4), -EFAULT, "READ_FIXED into a SOURCE-only buffer");
    assert.equal(rwFixed(e, false, f.fd, 0, 4096, 0, 2), 4096);
  } finally {
    closeSync(f.fd);
  }
  // the ring's close releases the three buffers
});

/** Fill the region with 0xa5, run `cmd` raw, check only the struct's bytes could change. */
function exchange(e: Env, op: number, req: Uint8Array, bufIndex?: number): { res: number; out: Uint8Array } {
  const region = e.r.region!, s = e.kmod.slice;
  region.bytes.fill(0xa5);
  const res = e.kmod.command(op, req, { bufIndex });
  const out = s.bytes.slice(0, req.length);
  const outside = [...region.bytes.subarray(0, s.offset), ...region.bytes.subarray(s.offset + req.length)];
  assert.ok(outside.every((b) => b === 0xa5), `command 0x${op.toString(16)} wrote outside its struct`);
  if (res < 0) assert.deepEqual(out, req, "on an error the struct is left untouched");
  return { res, out };
}

test("region header exchange for every command: out fields written, in fields kept, nothing else moves", {
  skip: needBvec,
}, () => {
  using e = env({ table: TABLE_SIZE, before: 64 });
  assert.equal(e.kmod.slice.offset, 64, "canaries on both sides");
  // PROBE
  {
    const { res, out } = exchange(e, JskCmd.PROBE, new Uint8Array(64));
    assert.equal(res, 0);
    const dv = new DataView(out.buffer);
    assert.equal(dv.getUint32(jsk_probe.fields.version[0], true), JskConst.VERSION);
    assert.equal(dv.getUint32(jsk_probe.fields.page_size[0], true), 4096);
  }
  // BUF_REGISTER: out fields overwritten (77 on input), in fields kept
  const R = jsk_buf_register.fields;
  const reg = new Uint8Array(32), rdv = new DataView(reg.buffer);
  rdv.setUint32(R.index[0], 5, true);
  rdv.setUint32(R.nr_pages[0], 2, true);
  rdv.setUint32(R.flags[0], JskBufFlag.SOURCE, true);
  rdv.setBigUint64(R.buf_id[0], 77n, true);
  rdv.setBigUint64(R.size[0], 77n, true);
  const { res: rres, out: rout } = exchange(e, JskCmd.BUF_REGISTER, reg);
  assert.equal(rres, 0);
  const ro = new DataView(rout.buffer);
  const id = ro.getBigUint64(R.buf_id[0], true);
  assert.ok(id !== 0n && id !== 77n);
  assert.equal(ro.getBigUint64(R.size[0], true), 8192n);
  assert.equal(ro.getUint32(R.index[0], true), 5);
  assert.equal(ro.getUint32(R.nr_pages[0], true), 2);
  assert.equal(ro.getUint32(R.flags[0], true), JskBufFlag.SOURCE);
  // BUF_FILL / BUF_CHECKSUM
  const B = jsk_buf_op.fields;
  const op = new Uint8Array(32), odv = new DataView(op.buffer);
  odv.setBigUint64(B.buf_id[0], id, true);
  odv.setUint32(B.offset[0], 4000, true);
  odv.setUint32(B.length[0], 200, true);
  odv.setUint32(B.seed[0], 9, true);
  odv.setBigUint64(B.fnv1a[0], 1n, true);
  const want = fnv1a64(expectedFill(9, 4000, 200));
  const fill = exchange(e, JskCmd.BUF_FILL, op);
  assert.equal(fill.res, 0);
  assert.equal(new DataView(fill.out.buffer).getBigUint64(B.fnv1a[0], true), want);
  assert.deepEqual(fill.out.subarray(0, 24), op.subarray(0, 24), "in fields kept");
  odv.setUint32(B.seed[0], 0, true);
  odv.setBigUint64(B.fnv1a[0], 0n, true);
  const sum = exchange(e, JskCmd.BUF_CHECKSUM, op);
  assert.equal(sum.res, 0);
  assert.equal(new DataView(sum.out.buffer).getBigUint64(B.fnv1a[0], true), want);
  // BUF_UNREGISTER, then the buffer is gone for checksum (released)
  const un = new Uint8Array(8);
  new DataView(un.buffer).setUint32(jsk_buf_unregister.fields.index[0], 5, true);
  const u = exchange(e, JskCmd.BUF_UNREGISTER, un, 5);
  assert.equal(u.res, 0);
  assert.deepEqual(u.out, un);
  assert.equal(exchange(e, JskCmd.BUF_CHECKSUM, op).res, -ENOENT);
});

test("commands work from io-wq (IOSQE_ASYNC): the unlocked path", () => {
  using e = env({ table: TABLE_SIZE });
  const a = { async: true };
  assert.equal(e.kmod.probe(a).version, JskConst.VERSION);
  if (!info.bvec) return;
  const b = e.kmod.registerBuffer({ index: 7, pages: 1, dest: true }, a);
  assert.equal(e.kmod.checksum(b.bufId, { length: 4096 }, a), fnv1a64(new Uint8Array(4096)));
  assert.equal(e.kmod.fill(b.bufId, { length: 4096, seed: 3 }, a), fnv1a64(expectedFill(3, 0, 4096)));
  assert.throws(() => e.kmod.registerBuffer({ index: 7, pages: 1, dest: true }, a), /EBUSY/);
  e.kmod.unregisterBuffer(7, a);
});

/** The kernel log's lines (busybox dmesg), or [] where it cannot be read. */
function klog(): string[] {
  const r = spawnSync("dmesg", [], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.split("\n").filter(Boolean) : [];
}

test("an SQE128 + CQE32 ring: commands work, the 80-byte command area must be zero", () => {
  using r = createRingWithRegion({ entries: 16, sqe128: true, cqe32: true, region: { size: 4096 } });
  using kmod = KernelModule.open(r.ring);
  assert.equal(r.ring.layout.sqeSize, 128);
  // dirty the whole SQE array first: the client must clear the second half
  r.ring.sqes.u8.fill(0xee);
  assert.equal(kmod.probe().version, JskConst.VERSION);
  for (const word of [16, 24, 31]) {
    const res = kmod.command(JskCmd.PROBE, new Uint8Array(64), {
      patch: (s, at) => s.u32[(at >> 2) + word] = 1,
    });
    assert.equal(res, -EINVAL, `SQE word ${word}`);
  }
  if (info.bvec) {
    using _table = FixedBuffers.sparse(r.ring, 4);
    const b = kmod.registerBuffer({ index: 0, pages: 1, source: true });
    assert.equal(kmod.fill(b.bufId, { length: 4096, seed: 1 }), fnv1a64(expectedFill(1, 0, 4096)));
    kmod.unregisterBuffer(0);
  }
});

/** SQE fields the module must see as zero, set one at a time. */
const SQE_FIELD_PATCHES: Array<[string, (u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, at: number) => void]> = [
  ["ioprio", (_u8, u16, _u32, at) => u16[(at >> 1) + 1] = 1],
  ["buf_index", (_u8, u16, _u32, at) => u16[(at >> 1) + 20] = 1],
  ["file_index", (_u8, _u16, u32, at) => u32[(at >> 2) + 11] = 1],
  ["addr3", (_u8, _u16, u32, at) => u32[(at >> 2) + 12] = 1],
  ["__pad2 (high bit)", (_u8, _u16, u32, at) => u32[(at >> 2) + 15] = 0x80000000],
  ["uring_cmd_flags = IORING_URING_CMD_FIXED", (_u8, _u16, u32, at) => u32[(at >> 2) + 7] = 1],
];

test("bad input: a clean errno each, region untouched, the client's error names command and hint", () => {
  using e = env({ table: TABLE_SIZE });
  using e2 = env({ table: TABLE_SIZE });
  const k = e.kmod;
  const P = new Uint8Array(64);
  const iowr = (nr: number, size: number) => ((3 << 30) | (size << 16) | (0x6a << 8) | nr) >>> 0;
  const table: Array<[string, () => number, number]> = [
    ["unknown command nr 5", () => k.command(iowr(5, 32), P.subarray(0, 32)), -EOPNOTSUPP],
    ["command 0", () => k.command(0, P), -EOPNOTSUPP],
    ["command 0xffffffff", () => k.command(0xffffffff, P), -EOPNOTSUPP],
    ["PROBE's nr with a wrong size encoded", () => k.command(iowr(0, 32), P.subarray(0, 32)), -EOPNOTSUPP],
    ["PROBE len 56", () => k.command(JskCmd.PROBE, P, { len: 56 }), -EINVAL],
    ["PROBE len 72", () => k.command(JskCmd.PROBE, P, { len: 72 }), -EINVAL],
    ["PROBE len 0", () => k.command(JskCmd.PROBE, P, { len: 0 }), -EINVAL],
    ["offset at the region's end", () => k.command(JskCmd.PROBE, P, { offset: REGION_SIZE }), -EFAULT],
    ["struct past the region's end", () => k.command(JskCmd.PROBE, P, { offset: REGION_SIZE - 56 }), -EFAULT],
    ["offset 2^53 - 8", () => k.command(JskCmd.PROBE, P, { offset: 2 ** 53 - 8 }), -EFAULT],
    [
      "offset ~7 (wraps)",
      () =>
        k.command(JskCmd.PROBE, P, {
          offset: 0,
          patch: (s, at) => {
            s.u32[(at >> 2) + 4] = 0xfffffff8;
            s.u32[(at >> 2) + 5] = 0xffffffff;
          },
        }),
      -EFAULT,
    ],
    [
      "offset 2^63",
      () => k.command(JskCmd.PROBE, P, { offset: 0, patch: (s, at) => s.u32[(at >> 2) + 5] = 0x80000000 }),
      -EFAULT,
    ],
    ["misaligned offset +4", () => k.command(JskCmd.PROBE, P, { offset: k.slice.offset + 4 }), -EINVAL],
    ["misaligned offset +1", () => k.command(JskCmd.PROBE, P, { offset: k.slice.offset + 1 }), -EINVAL],
    ["non-zero PROBE input", () => {
      const p = new Uint8Array(64);
      p[jsk_probe.fields.bufs_live[0]] = 1;
      return k.command(JskCmd.PROBE, p);
    }, -EINVAL],
    ...SQE_FIELD_PATCHES.map(([name, f]): [string, () => number, number] => [
      `unused SQE field ${name}`,
      () => k.command(JskCmd.PROBE, P, { patch: (s, at) => f(s.u8, s.u16, s.u32, at) }),
      -EINVAL,
    ]),
  ];
  let id = 0, id2 = 0;
  if (info.bvec) {
    const reg = (index: number, pages: number, flags: number, resv = 0, len = 32) => {
      const b = new Uint8Array(32), dv = new DataView(b.buffer);
      dv.setUint32(jsk_buf_register.fields.index[0], index, true);
      dv.setUint32(jsk_buf_register.fields.nr_pages[0], pages, true);
      dv.setUint32(jsk_buf_register.fields.flags[0], flags, true);
      dv.setUint32(jsk_buf_register.fields.__resv[0], resv, true);
      return () => k.command(JskCmd.BUF_REGISTER, b, { len });
    };
    // bufIndex -1: the SQE does not name the slot
    const unreg = (index: number, flags = 0, bufIndex = index) => {
      const b = new Uint8Array(8), dv = new DataView(b.buffer);
      dv.setUint32(0, index, true);
      dv.setUint32(4, flags, true);
      return () => k.command(JskCmd.BUF_UNREGISTER, b, { bufIndex: bufIndex < 0 ? undefined : bufIndex });
    };
    const bop = (op: number, buf: () => number, offset: number, length: number, seed: number, flags = 0) => () => {
      const b = new Uint8Array(32), dv = new DataView(b.buffer);
      dv.setBigUint64(0, BigInt(buf()), true);
      dv.setUint32(8, offset, true);
      dv.setUint32(12, length, true);
      dv.setUint32(16, seed, true);
      dv.setUint32(20, flags, true);
      return k.command(op, b);
    };
    const D = JskBufFlag.DEST;
    table.push(
      ["register: non-zero __resv", reg(0, 1, D, 1), -EINVAL],
      ["register: unknown flag 4", reg(0, 1, 4), -EINVAL],
      ["register: unknown flag bit 31", reg(0, 1, D | 0x80000000), -EINVAL],
      ["register: no direction", reg(0, 1, 0), -EINVAL],
      ["register: 0 pages", reg(0, 0, D), -EINVAL],
      ["register: MAX_PAGES + 1", reg(0, JskConst.MAX_PAGES + 1, D), -EINVAL],
      ["register: index past the table", reg(TABLE_SIZE, 1, D), -EINVAL],
      ["register: index 0xffffffff", reg(0xffffffff, 1, D), -EINVAL],
      ["register: wrong size 24", reg(0, 1, D, 0, 24), -EINVAL],
      ["register: slot 2", () => {
        const res = reg(2, 1, D)();
        const out = new DataView(k.slice.bytes.buffer, k.slice.bytes.byteOffset, jsk_buf_register.size);
        id = Number(out.getBigUint64(jsk_buf_register.fields.buf_id[0], true));
        return res;
      }, 0],
      ["register: occupied slot", reg(2, 1, D), -EBUSY],
      ["register through another open file (another ring): slot 2 is free there", () => {
        const b = e2.kmod.registerBuffer({ index: 2, pages: 1, dest: true });
        id2 = b.bufId;
        return 0;
      }, 0],
      ["unregister: empty slot", unreg(3), -EINVAL],
      ["unregister: past the table", unreg(TABLE_SIZE), -EINVAL],
      ["unregister: flags 1", unreg(2, 1), -EINVAL],
      ["unregister: slot not named in the SQE", unreg(2, 0, -1), -EINVAL],
      ["unregister: the SQE names another slot", unreg(2, 0, 3), -EINVAL],
      ["unregister through another open file: EPERM", () => {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setUint32(0, 2, true);
        // e2's client, e's ring (its slot 2 holds e's buffer): not e2's to remove
        using other = KernelModule.open(e.ring);
        return other.command(JskCmd.BUF_UNREGISTER, b, { bufIndex: 2 });
      }, -EPERM],
      ["fill: id 0", bop(JskCmd.BUF_FILL, () => 0, 0, 1, 1), -ENOENT],
      ["fill: unknown id", bop(JskCmd.BUF_FILL, () => 999999, 0, 1, 1), -ENOENT],
      ["fill: id 2^40", bop(JskCmd.BUF_FILL, () => 2 ** 40, 0, 1, 1), -ENOENT],
      ["fill: another open file's buffer", bop(JskCmd.BUF_FILL, () => id2, 0, 1, 1), -ENOENT],
      ["fill: length 0", bop(JskCmd.BUF_FILL, () => id, 0, 0, 1), -EINVAL],
      ["fill: range past the end", bop(JskCmd.BUF_FILL, () => id, 4000, 97, 1), -EINVAL],
      ["fill: offset 0xffffffff (wraps)", bop(JskCmd.BUF_FILL, () => id, 0xffffffff, 2, 1), -EINVAL],
      ["checksum: seed given", bop(JskCmd.BUF_CHECKSUM, () => id, 0, 1, 1), -EINVAL],
      ["fill: last byte", bop(JskCmd.BUF_FILL, () => id, 4095, 1, 1), 0],
      ["checksum: flags 1", bop(JskCmd.BUF_CHECKSUM, () => id, 0, 1, 0, 1), -EINVAL],
      ["unregister slot 2", unreg(2), 0],
      ["unregister slot 2 again", unreg(2), -EINVAL],
      ["a user buffer in slot 9: register is EBUSY", () => {
        e.table!.update(9, [new Uint8Array(4096)]);
        return reg(9, 1, D)();
      }, -EBUSY],
      ["a user buffer in slot 9: unregister is EBUSY", unreg(9), -EBUSY],
    );
  } else {
    table.push(["register without bvec support", () => k.command(JskCmd.BUF_REGISTER, new Uint8Array(32)), -EOPNOTSUPP]);
  }
  const problems: string[] = [];
  const log0 = klog();
  for (const [name, run, want] of table) {
    const got = run();
    if (got !== want) problems.push(`${name}: got ${got}, want ${want}`);
  }
  const log1 = klog();
  assert.deepEqual(problems, []);
  assert.deepEqual(log1.slice(log0.length), [], "bad input is quiet in dmesg");
  console.log(`# bad input: ${table.length} cases`);
  // The typed methods turn the same errors into UringErrors with the command and a hint.
  if (info.bvec) {
    k.registerBuffer({ index: 2, pages: 1, dest: true });
    assert.throws(() => k.registerBuffer({ index: 2, pages: 1, dest: true }), (err: unknown) => {
      assert.ok(err instanceof UringError);
      assert.equal(err.code, "EBUSY");
      assert.equal(err.op, "jsuring_kmod.BUF_REGISTER");
      assert.match(err.hint!, /occupied/);
      return true;
    });
    assert.throws(() => k.registerBuffer({ index: TABLE_SIZE, pages: 1, dest: true }), /EINVAL.*fixed-buffer table/);
    assert.throws(() => k.unregisterBuffer(3), /jsuring_kmod\.BUF_UNREGISTER: EINVAL/);
    assert.throws(() => k.fill(id2, { length: 1 }), /jsuring_kmod\.BUF_FILL: ENOENT.*no live kernel buffer/);
    assert.throws(() => k.checksum(999999, { length: 1 }), /jsuring_kmod\.BUF_CHECKSUM: ENOENT/);
  }
});

test("unregister with I/O in flight: the release waits for the I/O and runs once", { skip: needBvec }, () => {
  settle();
  using e = env({ table: TABLE_SIZE });
  const p0 = e.kmod.probe(); // this open file's counters: a fresh one
  const efd = eventfd();
  try {
    const b = e.kmod.registerBuffer({ index: 6, pages: 1, dest: true });
    // A READ_FIXED from an eventfd at 0 stays pending, holding the buffer.
    const at = e.ring.getSqe();
    prepReadFixed(e.ring.sqes, at, efd, 0, 8, 0, 6);
    e.ring.track(at, "pending read");
    e.ring.submit();
    sleep(20);
    e.kmod.unregisterBuffer(6);
    let p1 = e.kmod.probe();
    assert.equal(p1.bufsReleased, p0.bufsReleased, "not released while the read holds it");
    assert.equal(p1.bufsFreed, p0.bufsFreed);
    // unregistered but not yet released: still reachable
    assert.equal(typeof e.kmod.checksum(b.bufId, { length: 8 }), "bigint");
    // Complete the read: write 1 to the eventfd.
    const one8 = new Uint8Array(8);
    one8[0] = 1;
    e.ring.write(efd, one8, -1, { tag: "signal" });
    e.ring.submit();
    for (let i = 0; i < 500 && !e.others.some((c) => c.tag === "pending read"); i++) {
      e.ring.waitFor(1, 20);
      e.ring.reap((res, flags, tag) => e.others.push({ res, flags, tag }));
    }
    const read = e.others.find((c) => c.tag === "pending read");
    assert.equal(read?.res, 8);
    using obs = observer(e.kmod);
    p1 = waitCounters(obs, p0.bufsReleased + 1, p0.bufsFreed + 1);
    assert.equal(p1.bufsReleased, p0.bufsReleased + 1, "released exactly once");
    assert.equal(p1.bufsFreed, p0.bufsFreed + 1);
    assert.throws(() => e.kmod.checksum(b.bufId, { length: 8 }), /ENOENT/);
  } finally {
    closeFd(efd);
  }
});

test("closing a ring with kernel buffers and I/O in flight releases each exactly once", { skip: needBvec }, () => {
  settle();
  using obs = observer();
  const p0 = obs.kmod.probe();
  const efds = [eventfd(), eventfd()];
  try {
    const e = env({ table: TABLE_SIZE, share: obs.kmod }); // the counters are per open file
    assert.equal(e.kmod.fd, obs.kmod.fd);
    for (let i = 0; i < 4; i++) e.kmod.registerBuffer({ index: i, pages: 1 + i, dest: true, source: true });
    for (let i = 0; i < 2; i++) {
      const at = e.ring.getSqe();
      prepReadFixed(e.ring.sqes, at, efds[i], 0, 8, 0, i);
      e.ring.track(at, `read ${i}`);
    }
    assert.equal(e.ring.submit(), 2);
    sleep(20);
    assert.equal(obs.kmod.probe().bufsLive, p0.bufsLive + 4);
    e.kmod.close(); // a sharing client: obs's file stays open
    // graceMs 0: the ring fd closes with the reads still in flight
    e.ring.close(0);
    const p1 = waitCounters(obs, p0.bufsReleased + 4, p0.bufsFreed + 4);
    assert.equal(p1.bufsReleased, p0.bufsReleased + 4);
    assert.equal(p1.bufsFreed, p0.bufsFreed + 4);
    assert.equal(p1.bufsRegistered, p0.bufsRegistered + 4);
    assert.equal(p1.bufsLive, p0.bufsLive);
  } finally {
    for (const fd of efds) closeFd(fd);
  }
});

test("the module's page cap: ENOBUFS, and the client's error names the parameter", { skip: needBvec }, () => {
  settle();
  const path = "/sys/module/jsuring/parameters/max_pages_per_open";
  const before = readFileSync(path, "utf8").trim();
  using e = env({ table: TABLE_SIZE });
  writeFileSync(path, "4");
  try {
    e.kmod.registerBuffer({ index: 0, pages: 3, dest: true });
    assert.throws(() => e.kmod.registerBuffer({ index: 1, pages: 2, dest: true }), (err: unknown) => {
      assert.ok(err instanceof UringError);
      assert.equal(err.code, "ENOBUFS");
      assert.equal(err.op, "jsuring_kmod.BUF_REGISTER");
      assert.match(err.message, /max_pages_per_open/);
      assert.match(err.hint!, /\/sys\/module\/jsuring\/parameters/);
      return true;
    });
    assert.equal(moduleParam("pages_pinned"), 3);
    e.kmod.registerBuffer({ index: 1, pages: 1, dest: true }); // exactly at the cap
  } finally {
    writeFileSync(path, before);
  }
  assert.equal(moduleParam("pages_pinned"), 4);
});

test("per open file: ids, access and counters; a sharing client reaches the buffers from another ring", {
  skip: needBvec,
}, () => {
  settle();
  using e = env({ table: TABLE_SIZE });
  using stranger = env(); // its own open of the device
  using friend = env({ share: e.kmod }); // the same open file, another ring
  const b = e.kmod.registerBuffer({ index: 4, pages: 1, dest: true, source: true });
  const p = stranger.kmod.probe();
  assert.equal(p.bufsAllocated, 0, "another opener's activity is not visible");
  assert.equal(p.bufsRegistered, 0);
  assert.throws(() => stranger.kmod.checksum(b.bufId, { length: 8 }), /ENOENT.*this open file/);
  assert.equal(friend.kmod.fill(b.bufId, { length: 8, seed: 2 }), fnv1a64(expectedFill(2, 0, 8)));
  assert.equal(friend.kmod.probe().bufsRegistered, 1);
  // unregister: e's ring, the stranger's file: refused
  const req = new Uint8Array(8);
  new DataView(req.buffer).setUint32(0, 4, true);
  using strangerOnE = KernelModule.open(e.ring);
  assert.equal(strangerOnE.command(JskCmd.BUF_UNREGISTER, req, { bufIndex: 4 }), -EPERM);
  assert.throws(() => strangerOnE.unregisterBuffer(4), (err: unknown) => {
    assert.ok(err instanceof UringError);
    assert.equal(err.code, "EPERM");
    assert.match(err.hint!, /not registered through this open file/);
    return true;
  });
  e.kmod.unregisterBuffer(4);
  // ids are never reused by an open file
  const b2 = e.kmod.registerBuffer({ index: 4, pages: 1, dest: true });
  assert.ok(b2.bufId > b.bufId);
});

/** The C suite's rnd(): an LCG, top 24 bits. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 8;
  };
}

test("fuzz: a few thousand random URING_CMD SQEs (SUBMIT_ALL), counters consistent", () => {
  settle();
  using obs = observer();
  const p0 = obs.kmod.probe();
  const rnd = lcg(12345);
  const ops = [JskCmd.PROBE, JskCmd.BUF_REGISTER, JskCmd.BUF_UNREGISTER, JskCmd.BUF_FILL, JskCmd.BUF_CHECKSUM];
  const sizes = [64, 32, 8, 32, 32];
  const total = 3000, batch = 32;
  const counts = new Map<number, number>();
  const ids: bigint[] = [];
  let done = 0, bad = 0;
  const f = tmpFile("fuzz");
  ftruncateSync(f.fd, 1 << 20);
  {
    using e = env({ table: TABLE_SIZE, share: obs.kmod }); // counters are per open file
    const region = e.r.region!, ring = e.ring, s = ring.sqes, fd = e.kmod.fd;
    const u32 = region.u32;
    while (done < total) {
      for (let n = 0; n < batch; n++) {
        const at = ring.getSqe();
        const k = rnd() % 5, r = rnd();
        let op = ops[k], len = sizes[k];
        let off = (rnd() % (REGION_SIZE / 8)) * 8;
        if (r % 13 === 0) { // fixed I/O on a random slot
          const boff = rnd() % 8192, l = 1 + rnd() % 8192;
          (rnd() & 1 ? prepReadFixed : prepWriteFixed)(s, at, f.fd, boff, l, rnd() % 4096, rnd() % 20);
          ring.track(at, -1);
          continue;
        }
        if (off + len > REGION_SIZE) off = REGION_SIZE - 64;
        const w = off >> 2;
        for (let i = 0; i < len / 4; i++) u32[w + i] = rnd() % 4 ? rnd() % 24 : Math.imul(rnd(), 2654435761) >>> 0;
        if (k === 0 && rnd() % 4) u32.fill(0, w, w + 16);
        if (k === 1) {
          u32[w + 1] = 1 + rnd() % 4; // nr_pages
          if (rnd() % 4) u32[w + 3] = 0; // __resv
          if (rnd() % 3) u32[w + 2] = 1 + rnd() % 3; // flags
        }
        if ((k === 3 || k === 4) && ids.length && rnd() % 4) {
          region.view.setBigUint64(off, ids[rnd() % ids.length], true);
          u32[w + 2] = rnd() % 8192; // offset
          u32[w + 3] = rnd() % 8192; // length
          u32[w + 4] = k === 4 ? 0 : rnd(); // seed
          u32[w + 5] = rnd() % 8 ? 0 : 1; // flags
        }
        if (r % 17 === 0) op = Math.imul(rnd(), 2654435761) >>> 0;
        if (r % 19 === 0) len = rnd() % 80;
        let wild = false;
        if (r % 23 === 0) wild = true;
        prepUringCmd(s, at, fd, op, off, len);
        // UNREGISTER names its slot in the SQE half of the time (the rest are EINVAL)
        if (k === 2 && rnd() % 2) {
          setOpFlags(s, at, IORING_URING_CMD_FIXED);
          setBufIndex(s, at, u32[w] % 24);
        }
        if (wild) { // an offset anywhere in the u64 space
          s.u32[(at >> 2) + 4] = Math.imul(rnd(), 2654435761) >>> 0;
          s.u32[(at >> 2) + 5] = rnd() << (rnd() % 8);
        }
        if (r % 29 === 0) s.u16[(at >> 1) + 1] = 1; // ioprio
        if (r % 31 === 0) s.u32[(at >> 2) + 12] = rnd(); // addr3
        ring.track(at, k * 1e6 + off / 8, r % 5 === 0 ? SqeFlag.ASYNC : 0);
      }
      const expect = ring.inFlight;
      ring.submitAndWait(expect);
      let reaped = 0;
      while (reaped < expect) {
        reaped += ring.reap((res, _flags, tag) => {
          done++;
          if (tag === -1) return; // fixed I/O: any result
          counts.set(res, (counts.get(res) ?? 0) + 1);
          if (![0, -EINVAL, -EOPNOTSUPP, -EFAULT, -EBUSY, -ENOENT, -EPERM].includes(res)) bad++;
          const k = Math.floor((tag as number) / 1e6), off = ((tag as number) % 1e6) * 8;
          if (res === 0 && k === 1 && ids.length < 64) ids.push(region.view.getBigUint64(off + 16, true));
        });
        if (reaped < expect) ring.submitAndWait(1);
      }
    }
  }
  closeSync(f.fd);
  const c = (res: number) => counts.get(res) ?? 0;
  console.log(
    `# fuzz: ${done} SQEs: ok ${c(0)} einval ${c(-EINVAL)} eopnotsupp ${c(-EOPNOTSUPP)} efault ${c(-EFAULT)} ebusy ${
      c(-EBUSY)
    } enoent ${c(-ENOENT)}`,
  );
  assert.equal(bad, 0, `unexpected results: ${JSON.stringify([...counts])}`);
  assert.ok(c(0) > 100);
  let p1 = obs.kmod.probe();
  for (let i = 0; i < 300 && (p1.bufsLive || p1.bufsRegistered !== p1.bufsReleased); i++) {
    sleep(10);
    p1 = obs.kmod.probe();
  }
  console.log(
    `# fuzz: registered ${p1.bufsRegistered - p0.bufsRegistered} released ${p1.bufsReleased - p0.bufsReleased} allocated ${
      p1.bufsAllocated - p0.bufsAllocated
    } freed ${p1.bufsFreed - p0.bufsFreed} live ${p1.bufsLive}`,
  );
  assert.equal(p1.bufsLive, 0);
  assert.equal(p1.bufsRegistered, p1.bufsReleased);
  assert.equal(p1.bufsAllocated, p1.bufsFreed);
  if (info.bvec) assert.ok(p1.bufsRegistered > p0.bufsRegistered);
});

test("all kernel buffers released and freed at the end (module-wide)", () => {
  settle();
  assert.equal(moduleParam("bufs_live"), 0);
  assert.equal(moduleParam("pages_pinned"), 0);
});
