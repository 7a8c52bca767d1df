/**
 * The operation descriptions (src/ring/operations.ts): each entry's opcode is
 * what its writer puts in the SQE and what the kernel's probe knows; each
 * refuses bad arguments and unknown options before an SQE is reserved; the
 * generic Ring.queue gives the same completion as the named method.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync } from "node:fs";
import { O, Op, OP_NAMES, RESOLVE } from "../src/abi/mod.ts";
import { closeFd, OPERATIONS, opSupported, Ring } from "../mod.ts";
import { fileWith, pattern, tempDir } from "./_helpers.ts";
import { getNative } from "../src/runtime/_ffi.ts";
import { AsyncRing, MULTISHOT_OPERATIONS } from "../mod.ts";
import { kernelAtLeast } from "../src/errors/hints.ts";
import { existsSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** A page-aligned view (MADVISE's sample). */
function pageAligned(bytes: number): Uint8Array {
  const big = new Uint8Array(bytes + 4096);
  const skip = (4096 - getNative().addressOf(big) % 4096) % 4096;
  return big.subarray(skip, skip + bytes);
}

const buf = new Uint8Array(16);
/** An fd in range but not open: if an SQE does reach the kernel (close's cancel-all submits them), EBADF. */
const NOT_OPEN = 0x7ffffff0;
/** Valid arguments for each description. */
/** PIPE's sample makes a real pipe: closed after the test. */
const PIPE_FDS = new Int32Array([-1, -1]);
const SAMPLE: Record<keyof typeof OPERATIONS, readonly unknown[]> = {
  NOP: [],
  READ: [NOT_OPEN, buf, 0],
  WRITE: [NOT_OPEN, buf, 0],
  READV: [NOT_OPEN, [buf], 0],
  WRITEV: [NOT_OPEN, [buf], 0],
  READ_FIXED: [NOT_OPEN, buf, 0, 0],
  WRITE_FIXED: [NOT_OPEN, buf, 0, 0],
  FSYNC: [NOT_OPEN, {}],
  OPENAT: ["/nonexistent/jsuring", 0, 0],
  CLOSE: [NOT_OPEN],
  STATX: ["/", new Uint8Array(256)],
  TIMEOUT: [1],
  LINK_TIMEOUT: [1],
  CANCEL: [1, 0],
  SEND: [NOT_OPEN, buf, 0],
  SEND_ZC: [NOT_OPEN, buf, 0],
  RECV: [NOT_OPEN, buf, 0],
  SPLICE: [NOT_OPEN, -1, NOT_OPEN, -1, 16, 0],
  TEE: [NOT_OPEN, NOT_OPEN, 16, 0],
  PIPE: [PIPE_FDS, O.CLOEXEC],
  OPENAT2: ["/nonexistent/jsuring", { resolve: RESOLVE.BENEATH }],
  SHUTDOWN: [NOT_OPEN, 1],
  CONNECT: [NOT_OPEN, new Uint8Array(16)],
  SENDMSG: [NOT_OPEN, { buffers: [buf] }, 0],
  RECVMSG: [NOT_OPEN, { buffers: [buf] }, 0],
  SENDTO: [NOT_OPEN, buf, new Uint8Array(16), 0],
  FIXED_FD_INSTALL: [0, 0],
  CLOSE_DIRECT: [0],
  // The file-system family (operations_fs.ts): paths that do not exist, fds not open.
  RENAMEAT: ["/nonexistent/jsuring-a", "/nonexistent/jsuring-b", 0],
  UNLINKAT: ["/nonexistent/jsuring", 0],
  MKDIRAT: ["/nonexistent/jsuring/d", 0o755],
  SYMLINKAT: ["target", "/nonexistent/jsuring/l"],
  LINKAT: ["/nonexistent/jsuring-a", "/nonexistent/jsuring-b", 0],
  SYNC_FILE_RANGE: [NOT_OPEN, 0, 0, 0],
  FALLOCATE: [NOT_OPEN, 0, 0, 16],
  FADVISE: [NOT_OPEN, 0, 16, 0],
  MADVISE: [pageAligned(4096), 0],
  FTRUNCATE: [NOT_OPEN, 0],
  SETXATTR: ["/nonexistent/jsuring", "user.x", new Uint8Array(1), 0],
};

test("each description writes its own opcode, which the kernel's probe lists", () => {
  using ring = Ring.create({ entries: 64 }); // room for every description: no submit in between
  const supported = ring.probe();
  let queued = 0;
  for (const [key, op] of Object.entries(OPERATIONS)) {
    if (!supported.has(OP_NAMES[op.opcode]!)) {
      // Newer than this kernel: the probe gate refuses it by name.
      assert.throws(() => ring.queue(op as never, SAMPLE[key as keyof typeof OPERATIONS] as never), {
        name: "UnsupportedOpError",
      });
      console.log(`# skip ${key}: ${OP_NAMES[op.opcode]} not offered by this kernel`);
      continue;
    }
    const at = (ring.pending + 0) * 64; // a fresh ring: SQEs from offset 0, one per op
    ring.queue(op as never, SAMPLE[key as keyof typeof OPERATIONS] as never);
    assert.equal(ring.sqes.u8[at], op.opcode, `${key} wrote opcode ${ring.sqes.u8[at]}`);
    queued++;
  }
  assert.equal(ring.pending, queued);
  ring.submitAndWait(queued - 2); // all but the two timeouts complete at once
  ring.reap(() => {});
  for (const fd of PIPE_FDS) if (fd >= 0) closeFd(fd);
});

test("each description refuses an unknown option and a bad argument before reserving an SQE", () => {
  using ring = Ring.create({ entries: 8 });
  for (const [key, op] of Object.entries(OPERATIONS)) {
    // An opcode this kernel lacks (6.1: PIPE, 6.16) meets the probe gate
    // first; the probe gate test below covers that refusal.
    if (!opSupported(ring, op.opcode)) continue;
    const args = SAMPLE[key as keyof typeof OPERATIONS];
    assert.throws(() => ring.queue(op as never, args as never, { bogus: 1 } as never), {
      name: "TypeError",
      message: /unknown option "bogus"/,
    }, key);
    if (args.length) {
      const bad = [...args];
      bad[0] = typeof args[0] === "string" ? 42 : "x";
      assert.throws(() => ring.queue(op as never, bad as never), /"x" \(string\)|42 \(number\)/, key);
    }
  }
  assert.equal(ring.pending, 0);
  assert.equal(ring.inFlight, 0);
});

test("queue(READ) and read() complete alike; queue keeps the buffer with the operation", () => {
  using dir = tempDir();
  const data = pattern(64, 3);
  const fd = openSync(fileWith(dir.path, "f", data), "r");
  using ring = Ring.create({ entries: 8 });
  const a = new Uint8Array(64), b = new Uint8Array(64);
  ring.read(fd, a, 0, { tag: "method" });
  ring.queue(OPERATIONS.READ, [fd, b, 0], { tag: "queue" });
  ring.submitAndWait(2);
  const out = ring.completions().sort((x, y) => String(x.tag).localeCompare(String(y.tag)));
  assert.deepEqual(out.map((c) => [c.tag, c.res]), [["method", 64], ["queue", 64]]);
  assert.deepEqual(a, data);
  assert.deepEqual(b, data);
  closeSync(fd);
});

test("an operation's own options reach its SQE (statx mask, openat dirfd, timeout count)", () => {
  using dir = tempDir();
  fileWith(dir.path, "f", pattern(10, 1));
  const dirfd = openSync(dir.path, "r");
  using ring = Ring.create({ entries: 8 });
  const out = new Uint8Array(256);
  // The timeout counts completions posted after it is armed: submit it
  // first. Queued behind the other two, it could be armed after one of them
  // had already completed (6.1 punts openat to an io-wq worker that can
  // finish while the timeout SQE is still being prepared), and then wait
  // for the full 60 s.
  ring.queue(OPERATIONS.TIMEOUT, [60_000], { count: 2, tag: "after two" });
  ring.submit();
  ring.queue(OPERATIONS.OPENAT, ["f", 0, 0], { dirfd, tag: "open" });
  ring.queue(OPERATIONS.STATX, ["f", out], { dirfd, mask: 0x200, /* STATX_SIZE */ tag: "stat" });
  ring.submitAndWait(3);
  const got = new Map(ring.completions().map((c) => [c.tag, c.res]));
  assert.ok(got.get("open")! >= 0, `openat relative to dirfd: ${got.get("open")}`);
  assert.equal(got.get("stat"), 0);
  assert.equal(got.get("after two"), 0); // completed by the count, not the 60 s
  closeFd(got.get("open")!);
  closeSync(dirfd);
});

test("the probe gate: a description whose opcode this kernel lacks is refused before anything is queued", () => {
  using ring = Ring.create({ entries: 8 });
  // NOP128 (6.19) as a stand-in for a newer opcode: not on kernels before 6.19.
  const NOP128 = { ...OPERATIONS.NOP, name: "nop128", opcode: Op.NOP128 };
  if (ring.probe().has("NOP128")) return; // a kernel that has it: nothing to refuse
  assert.throws(() => ring.queue(NOP128, []), {
    name: "UnsupportedOpError",
    message: /requires Linux 6\.19|does not offer/,
  });
  assert.equal(ring.pending, 0);
  assert.equal(ring.inFlight, 0);
});

test("the file-system entries through AsyncRing.run: mkdir, symlink, link, rename, unlink", async () => {
  using dir = tempDir();
  await using ring = AsyncRing.create({ entries: 16 });
  const supported = ring.ring.probe();
  for (const name of ["MKDIRAT", "SYMLINKAT", "LINKAT", "RENAMEAT", "UNLINKAT"] as const) {
    if (!supported.has(name)) {
      console.log(`# skip: IORING_OP_${name} not offered by this kernel (needs Linux 5.15)`);
      return;
    }
  }
  const d = join(dir.path, "d"), f = fileWith(dir.path, "f", pattern(8, 1));
  assert.equal(await ring.run(OPERATIONS.MKDIRAT, [d, 0o755]), 0);
  assert.equal(await ring.run(OPERATIONS.SYMLINKAT, ["f", join(dir.path, "l")]), 0);
  assert.equal(readlinkSync(join(dir.path, "l")), "f");
  assert.equal(await ring.run(OPERATIONS.LINKAT, [f, join(d, "hard"), 0]), 0);
  assert.equal(await ring.run(OPERATIONS.RENAMEAT, [join(d, "hard"), join(d, "moved"), 0]), 0);
  assert.ok(existsSync(join(d, "moved")) && !existsSync(join(d, "hard")));
  assert.equal(await ring.run(OPERATIONS.UNLINKAT, [join(d, "moved"), 0]), 0);
  assert.equal(await ring.run(OPERATIONS.UNLINKAT, [d, 0x200 /* AT_REMOVEDIR */]), 0);
  assert.ok(!existsSync(d));
  await assert.rejects(ring.run(OPERATIONS.UNLINKAT, [d, 0]), { code: "ENOENT" });
});

test("the multishot descriptions: their opcode, argument checks before anything is queued, a run through multishotOf", async () => {
  assert.equal(MULTISHOT_OPERATIONS.POLL_MULTISHOT.opcode, Op.POLL_ADD);
  assert.equal(MULTISHOT_OPERATIONS.TIMEOUT_MULTISHOT.opcode, Op.TIMEOUT);
  await using ring = AsyncRing.create({ entries: 8 });
  assert.throws(
    () => ring.multishotOf(MULTISHOT_OPERATIONS.POLL_MULTISHOT, ["x" as never, 1]),
    /"x" \(string\)/,
  );
  assert.throws(
    () => ring.multishotOf(MULTISHOT_OPERATIONS.TIMEOUT_MULTISHOT, [1, -1]),
    { name: "RangeError", message: /ticks count/ },
  );
  assert.throws(() => ring.multishotOf(MULTISHOT_OPERATIONS.POLL_MULTISHOT, [0, 1], { bogus: 1 } as never), {
    name: "TypeError",
    message: /unknown option "bogus"/,
  });
  assert.equal(ring.inFlight, 0);
  const ticks = ring.multishotOf(MULTISHOT_OPERATIONS.TIMEOUT_MULTISHOT, [1, 3]);
  if (!kernelAtLeast("6.4")) {
    await assert.rejects(ticks.next(), /requires Linux 6\.4/);
    console.log("# skip the run: multishot timeouts need Linux 6.4");
    return;
  }
  let n = 0;
  for await (const _ of ticks) n++;
  assert.equal(n, 3);
});
