/**
 * The jsuring kernel module through the TypeScript ring, inside the VM:
 *
 *   kernel-module/vm/run.sh --deno kernel-module/vm/deno
 *
 * A first port of the core of vm/kmod_test.c (probe, no region, zero copy
 * both ways, a few bad inputs).  The structs are written by hand from
 * include/uapi/jsuring_kmod.h until src/cmd/ has the client.
 *
 * @module
 */
import { createRingWithRegion, FixedBuffers, Op, prepReadFixed, prepRw, prepWriteFixed, Ring } from "../../../mod.ts";

const DEVICE = "/dev/jsuring";
const CMD_PROBE = 0xc0406a00;
const CMD_BUF_REGISTER = 0xc0206a01;
const CMD_BUF_UNREGISTER = 0xc0086a02;
const CMD_BUF_FILL = 0xc0206a03;
const CMD_BUF_CHECKSUM = 0xc0206a04;
const BUF_DEST = 1, BUF_SOURCE = 2;
const FEAT_BVEC_REG = 2;
const EINVAL = 22, ENXIO = 6, EOPNOTSUPP = 95, EFAULT = 14, EBUSY = 16;

function assertEq(actual: unknown, want: unknown, what: string): void {
  if (actual !== want) throw new Error(`${what}: got ${String(actual)}, want ${String(want)}`);
}

/** Queue one SQE written by `prep`, submit, wait, and return its res. */
function one(ring: Ring, prep: (at: number) => void): number {
  const at = ring.getSqe();
  prep(at);
  ring.track(at, "one");
  ring.submitAndWait(1);
  let res = NaN;
  ring.reap((r) => res = r);
  return res;
}

/** IORING_OP_URING_CMD: cmd_op at SQE word 2, region offset in addr, size in len. */
function cmd(ring: Ring, fd: number, op: number, offset: number, len: number): number {
  return one(ring, (at) => {
    prepRw(ring.sqes, at, Op.URING_CMD, fd, offset, len, 0);
    ring.sqes.u32[(at >>> 2) + 2] = op;
  });
}

function openDevice(ring: Ring): number {
  const fd = one(ring, (at) => {
    ring.sqes.u8.fill(0, at, at + 64);
    ring.openat(DEVICE, 2 /* O_RDWR */);
    // openat queued its own SQE: turn ours into a NOP
    ring.sqes.u8[at] = Op.NOP;
  });
  // `one` reaped whichever came first; take the openat result from a probe-free path
  return fd;
}

function fnv1a(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

function pattern(seed: number, o: number): number {
  return (seed + o + (o >>> 8) + (o >>> 16)) & 0xff;
}

function openFd(ring: Ring, path: string, flags: number): number {
  ring.openat(path, flags, 0o600);
  ring.submitAndWait(1);
  let fd = -1;
  ring.reap((r) => fd = r);
  if (fd < 0) throw new Error(`openat ${path}: ${-fd}`);
  return fd;
}

function setup() {
  const r = createRingWithRegion({ entries: 64, region: { size: 4096 } });
  const fd = openFd(r.ring, DEVICE, 2);
  const slice = r.region!.slice("kmod", 256);
  const dv = new DataView(slice.bytes.buffer, slice.bytes.byteOffset, slice.bytes.byteLength);
  return { r, fd, slice, dv };
}

Deno.test("kmod: probe through the param region", () => {
  const { r, fd, slice, dv } = setup();
  try {
    slice.bytes.fill(0, 0, 64);
    assertEq(cmd(r.ring, fd, CMD_PROBE, slice.offset, 64), 0, "probe res");
    assertEq(dv.getUint32(0, true), 1, "version");
    assertEq(dv.getUint32(4, true) & FEAT_BVEC_REG, FEAT_BVEC_REG, "bvec feature");
    assertEq(dv.getBigUint64(8, true), 0x1fn, "commands");
    assertEq(dv.getUint32(60, true), 4096, "page_size");
    // bad inputs: size, alignment, bounds, unknown command
    assertEq(cmd(r.ring, fd, CMD_PROBE, slice.offset, 56), -EINVAL, "short size");
    assertEq(cmd(r.ring, fd, CMD_PROBE, slice.offset + 4, 64), -EINVAL, "misaligned");
    assertEq(cmd(r.ring, fd, CMD_PROBE, 1 << 30, 64), -EFAULT, "out of bounds");
    assertEq(cmd(r.ring, fd, 0x1234, slice.offset, 64), -EOPNOTSUPP, "unknown command");
  } finally {
    r[Symbol.dispose]();
  }
});

Deno.test("kmod: a ring without a region gets ENXIO", () => {
  using ring = Ring.create({ entries: 16 });
  const fd = openFd(ring, DEVICE, 2);
  assertEq(cmd(ring, fd, CMD_PROBE, 0, 64), -ENXIO, "probe without region");
});

Deno.test("kmod: zero copy both ways through a kernel buffer", () => {
  const { r, fd, slice, dv } = setup();
  const ring = r.ring;
  const table = FixedBuffers.sparse(ring, 8);
  try {
    const size = 2 * 4096, seed = 0x5a;
    // register 2 pages at slot 3
    slice.bytes.fill(0, 0, 32);
    dv.setUint32(0, 3, true);
    dv.setUint32(4, 2, true);
    dv.setUint32(8, BUF_DEST | BUF_SOURCE, true);
    assertEq(cmd(ring, fd, CMD_BUF_REGISTER, slice.offset, 32), 0, "register");
    const id = dv.getBigUint64(16, true);
    assertEq(dv.getBigUint64(24, true), BigInt(size), "size");
    assertEq(cmd(ring, fd, CMD_BUF_REGISTER, slice.offset, 32), -EBUSY, "occupied slot");
    // fill, WRITE_FIXED to a file, compare
    const op = (o: number, seedOrZero: number) => {
      slice.bytes.fill(0, 0, 32);
      dv.setBigUint64(0, id, true);
      dv.setUint32(8, 0, true);
      dv.setUint32(12, size, true);
      dv.setUint32(16, seedOrZero, true);
      assertEq(cmd(ring, fd, o, slice.offset, 32), 0, "fill/checksum");
      return dv.getBigUint64(24, true);
    };
    const filled = op(CMD_BUF_FILL, seed);
    const want = new Uint8Array(size).map((_, o) => pattern(seed, o));
    assertEq(filled, fnv1a(want), "fill checksum");
    const path = "/tmp/kmod-deno.bin";
    const file = openFd(ring, path, 0o102 /* O_RDWR|O_CREAT */);
    assertEq(one(ring, (at) => prepWriteFixed(ring.sqes, at, file, 0, size, 0, 3)), size, "WRITE_FIXED");
    const got = Deno.readFileSync(path);
    assertEq(fnv1a(got), fnv1a(want), "file bytes");
    // new file contents, READ_FIXED into the kernel buffer, module checksum
    const data = crypto.getRandomValues(new Uint8Array(size));
    Deno.writeFileSync(path, data);
    assertEq(one(ring, (at) => prepReadFixed(ring.sqes, at, file, 0, size, 0, 3)), size, "READ_FIXED");
    assertEq(op(CMD_BUF_CHECKSUM, 0), fnv1a(data), "module checksum of the file");
    // unregister; again is EINVAL (empty slot)
    slice.bytes.fill(0, 0, 8);
    dv.setUint32(0, 3, true);
    assertEq(cmd(ring, fd, CMD_BUF_UNREGISTER, slice.offset, 8), 0, "unregister");
    assertEq(cmd(ring, fd, CMD_BUF_UNREGISTER, slice.offset, 8), -EINVAL, "unregister empty");
  } finally {
    table[Symbol.dispose]();
    r[Symbol.dispose]();
  }
});

// keep the helper referenced for later tests
void openDevice;
