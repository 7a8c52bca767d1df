/**
 * The server operations of issue 12 (src/ring/operations.ts, netio block):
 * splice and tee through pipes with the data verified, pipes made through
 * the ring and through pipe2(2) (forced), openat2's resolve flags refusing a
 * path outside the directory, shutdown, connect with a linked timeout,
 * sendmsg/recvmsg with the peer's address, the fixed-file install; each
 * through `Ring.queue` and `AsyncRing.run`, and bad arguments refused before
 * the kernel with the value quoted.
 */
import { test } from "node:test";
import process from "node:process";
import assert from "node:assert/strict";
import { closeSync, mkdirSync, openSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AF,
  AsyncRing,
  closeFd,
  connect,
  Errno,
  kernelAtLeast,
  listen,
  type MessageHeader,
  Misc,
  MSG,
  O,
  Op,
  OPERATIONS,
  opSupported,
  pipe,
  prepBind,
  prepSocket,
  RESOLVE,
  Ring,
  SHUT,
  SOCK,
  SPLICE_F,
  SqeFlag,
  UringError,
} from "../mod.ts";
import { fileWith, pattern, skipIf, tempDir } from "./_helpers.ts";
import { pipe2 } from "../src/net/pipe.ts";
import { getNative } from "../src/runtime/_ffi.ts";

/** The process umask, from /proc/self/status (Linux 4.7). */
function currentUmask(): number {
  return parseInt(/Umask:\s*(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1], 8);
}

function one(ring: Ring): number {
  ring.submitAndWait(1);
  const [c] = ring.completions();
  return c.res;
}

async function readAll(ring: AsyncRing, fd: number, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await ring.read(fd, out.subarray(got), -1);
    if (r === 0) break;
    got += r;
  }
  return out.subarray(0, got);
}

test("splice file → pipe → file moves the bytes (Ring.queue), offsets honoured", () => {
  using dir = tempDir();
  const data = pattern(100_000, 7);
  const src = openSync(fileWith(dir.path, "src", data), "r");
  const dstPath = join(dir.path, "dst");
  const dst = openSync(dstPath, "w");
  using ring = Ring.create({ entries: 8 });
  let r: number, w: number;
  if (opSupported(ring, Op.PIPE)) {
    const fds = new Int32Array(2);
    ring.queue(OPERATIONS.PIPE, [fds, O.CLOEXEC]);
    assert.equal(one(ring), 0);
    [r, w] = fds;
  } else {
    [r, w] = pipe2(O.CLOEXEC);
  }
  let off = 0;
  while (off < data.length) {
    // 64 KiB fits the default pipe: file → pipe, then pipe → file, linked.
    const n = Math.min(65536, data.length - off);
    ring.queue(OPERATIONS.SPLICE, [src, off, w, -1, n, SPLICE_F.MOVE], { tag: "in", flags: SqeFlag.IO_LINK });
    ring.queue(OPERATIONS.SPLICE, [r, -1, dst, off, n, SPLICE_F.MOVE], { tag: "out" });
    ring.submitAndWait(2);
    const cs = ring.completions();
    assert.deepEqual(cs.map((c) => [c.tag, c.res]), [["in", n], ["out", n]]);
    off += n;
  }
  closeSync(src);
  closeSync(dst);
  closeFd(r);
  closeFd(w);
  assert.deepEqual(new Uint8Array(readFileSync(dstPath)), data);
});

test("tee duplicates pipe data without consuming it (AsyncRing.run), splice drains both", async () => {
  await using ring = AsyncRing.create({ entries: 16 });
  const [r1, w1] = await pipe({ ring });
  const [r2, w2] = await pipe({ ring });
  const data = pattern(4096, 3);
  assert.equal(await ring.write(w1, data), 4096);
  assert.equal(await ring.tee(r1, w2, 4096), 4096);
  // Both pipes now hold the bytes: the tee left r1's untouched.
  assert.deepEqual(await readAll(ring, r2, 4096), data);
  assert.deepEqual(await readAll(ring, r1, 4096), data);
  for (const fd of [r1, w1, r2, w2]) await ring.closeFd(fd);
});

test("pipe(): through the ring where the kernel has IORING_OP_PIPE, pipe2(2) when forced, both carry data", async (t) => {
  await using ring = AsyncRing.create({ entries: 8 });
  const has = opSupported(ring.ring, Op.PIPE);
  for (const via of ["pipe2", "auto", "ring"] as const) {
    if (via === "ring" && !has) {
      await assert.rejects(pipe({ ring, via }), {
        name: "UnsupportedOpError",
        message: /requires Linux 6\.16/,
      });
      t.diagnostic("IORING_OP_PIPE: requires Linux 6.16");
      continue;
    }
    const [r, w] = await pipe({ ring, via, flags: O.CLOEXEC | O.NONBLOCK });
    assert.ok(r >= 0 && w >= 0 && r !== w, `${via}: ${r}, ${w}`);
    const msg = new TextEncoder().encode(`via ${via}`);
    assert.equal(await ring.write(w, msg), msg.length);
    assert.deepEqual(await readAll(ring, r, msg.length), msg);
    // The flags reached both ends (/proc/self/fdinfo: octal open flags).
    for (const fd of [r, w]) {
      const flags = parseInt(/flags:\s*(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))![1], 8);
      assert.equal(
        flags & (O.CLOEXEC | O.NONBLOCK),
        O.CLOEXEC | O.NONBLOCK,
        `${via}: fd ${fd} flags 0o${flags.toString(8)}`,
      );
    }
    await ring.closeFd(r);
    await ring.closeFd(w);
  }
});

test("pipe(): bad options refused before anything is made", async () => {
  await using ring = AsyncRing.create({ entries: 8 });
  await assert.rejects(pipe({ ring, flags: O.TRUNC }), {
    name: "RangeError",
    message: /O\.CLOEXEC \| O\.NONBLOCK \| O\.DIRECT bits, got 512/,
  });
  await assert.rejects(pipe({ ring, via: "fifo" as never }), { name: "TypeError", message: /"fifo"/ });
  await assert.rejects(pipe({ ring, bogus: 1 } as never), {
    name: "TypeError",
    message: /unknown option "bogus"/,
  });
  using r = Ring.create({ entries: 4 });
  if (opSupported(r, Op.PIPE)) {
    assert.throws(() => r.queue(OPERATIONS.PIPE, [new Int32Array(1), 0]), {
      name: "RangeError",
      message: /at least 2, got 1/,
    });
    assert.throws(() => r.queue(OPERATIONS.PIPE, [[0, 0] as never, 0]), {
      name: "TypeError",
      message: /Int32Array/,
    });
  }
});

test("openat2: RESOLVE.BENEATH refuses '..' and an absolute symlink (EXDEV), allows a path inside", async () => {
  using dir = tempDir();
  mkdirSync(join(dir.path, "root"));
  writeFileSync(join(dir.path, "root", "inside"), "in");
  writeFileSync(join(dir.path, "secret"), "out");
  symlinkSync(join(dir.path, "secret"), join(dir.path, "root", "escape"));
  const rootFd = openSync(join(dir.path, "root"), O.RDONLY | O.DIRECTORY);
  await using ring = AsyncRing.create({ entries: 8 });
  const how = { flags: O.RDONLY | O.CLOEXEC, resolve: RESOLVE.BENEATH | RESOLVE.NO_MAGICLINKS };
  const fd = await ring.openat2("inside", how, { dirfd: rootFd });
  assert.deepEqual(new TextDecoder().decode(await readAll(ring, fd, 16)), "in");
  await ring.closeFd(fd);
  for (const path of ["../secret", "escape", join(dir.path, "secret")]) {
    await assert.rejects(ring.run(OPERATIONS.OPENAT2, [path, how], { dirfd: rootFd }), (e: unknown) => {
      assert.ok(e instanceof UringError, String(e));
      assert.equal(e.code, "EXDEV", `${path}: ${e.message}`);
      return true;
    });
  }
  // Without the resolve flag the same path opens: the refusal is RESOLVE_BENEATH's.
  const out = await ring.run(OPERATIONS.OPENAT2, ["../secret", { flags: O.RDONLY }], { dirfd: rootFd });
  await ring.closeFd(out);
  // The sync ring, O_CREAT with a mode.
  using r = Ring.create({ entries: 4 });
  r.openat2("made", { flags: O.WRONLY | O.CREAT | O.EXCL, mode: 0o640, resolve: RESOLVE.BENEATH }, {
    dirfd: rootFd,
  });
  const made = one(r);
  assert.ok(made >= 0, `openat2 O_CREAT: ${made}`);
  closeFd(made);
  assert.equal(statSync(join(dir.path, "root", "made")).mode & 0o777, 0o640 & ~currentUmask());
  closeSync(rootFd);
});

test("openat2: bad how refused with the value quoted", () => {
  using r = Ring.create({ entries: 4 });
  assert.throws(() => r.queue(OPERATIONS.OPENAT2, ["x", { resolve: 0x40 }]), {
    name: "RangeError",
    message: /how\.resolve.*64/,
  });
  assert.throws(() => r.queue(OPERATIONS.OPENAT2, ["x", { mode: 0o10000 }]), {
    name: "RangeError",
    message: /how\.mode.*4096/,
  });
  assert.throws(() => r.queue(OPERATIONS.OPENAT2, ["x", { flag: 1 } as never]), {
    name: "TypeError",
    message: /unknown option "flag"/,
  });
  assert.throws(() => r.queue(OPERATIONS.OPENAT2, ["x", undefined as never]), {
    name: "TypeError",
    message: /openat2 how/,
  });
  assert.throws(() => r.queue(OPERATIONS.SPLICE, [0, 0, 1, 0, 10, 16]), {
    name: "RangeError",
    message: /spliceFlags.*16/,
  });
  assert.throws(() => r.queue(OPERATIONS.SHUTDOWN, [0, 3]), {
    name: "RangeError",
    message: /shutdown how.*3/,
  });
  assert.throws(() => r.queue(OPERATIONS.CONNECT, [0, new Uint8Array(1)]), {
    name: "RangeError",
    message: /connect addr length.*1/,
  });
  assert.throws(() => r.queue(OPERATIONS.CONNECT, [0, "127.0.0.1" as never]), {
    name: "TypeError",
    message: /"127\.0\.0\.1"/,
  });
  assert.throws(() => r.queue(OPERATIONS.SENDMSG, [0, { buffers: [] }, 0]), {
    name: "RangeError",
    message: /1 to 1024 buffers, got 0/,
  });
  assert.throws(
    () => r.queue(OPERATIONS.RECVMSG, [0, { buffers: [new Uint8Array(1)], name: new Uint8Array(129) }, 0]),
    {
      name: "RangeError",
      message: /129 bytes/,
    },
  );
  // The probe gate comes first: below 6.8 the op is refused as unsupported before its arguments are read.
  if (opSupported(r, Op.FIXED_FD_INSTALL)) {
    assert.throws(() => r.queue(OPERATIONS.FIXED_FD_INSTALL, [0, 2]), { name: "RangeError", message: /got 2/ });
  }
  assert.throws(() => r.queue(OPERATIONS.SENDTO, [0, new Uint8Array(1), new Uint8Array(300), 0]), {
    name: "RangeError",
    message: /sendto addr length.*300/,
  });
  assert.throws(() => r.queue(OPERATIONS.SENDTO, [0, "x" as never, new Uint8Array(16), 0]), {
    name: "TypeError",
    message: /"x"/,
  });
  // Ring.connect checks the timeout and the address before queueing either SQE.
  assert.throws(() => r.connect(0, new Uint8Array(16), { timeout: -1 }), {
    name: "RangeError",
    message: /-1/,
  });
  assert.throws(() => r.connect(0, new Uint8Array(1), { timeout: 10 }), {
    name: "RangeError",
    message: /length/,
  });
  assert.throws(() => r.connect(0, new Uint8Array(16), { timeout: 10, bogus: 1 } as never), {
    message: /"bogus"/,
  });
  assert.equal(r.pending, 0);
});

function sockaddrIn(port: number, ip = [127, 0, 0, 1]): Uint8Array {
  const sa = new Uint8Array(16);
  sa[0] = AF.INET;
  sa[2] = port >> 8;
  sa[3] = port & 0xff;
  sa.set(ip, 4);
  return sa;
}

test("connect + shutdown through the table: the peer sees end of stream", async () => {
  await using ring = AsyncRing.create({ entries: 16 });
  await using server = await listen({ port: 0, ring });
  const fd = await ring.op("socket", (s, at) => prepSocket(s, at, AF.INET, SOCK.STREAM | SOCK.CLOEXEC, 0, 0));
  const accepted = server.accept();
  assert.equal(await ring.run(OPERATIONS.CONNECT, [fd, sockaddrIn(server.port)], { timeout: 10_000 }), 0);
  const conn = await accepted;
  assert.equal(await ring.shutdown(fd, SHUT.WR), 0);
  assert.equal(await conn.recv(new Uint8Array(8)), 0); // FIN
  await conn.close();
  await ring.closeFd(fd);
});

test("connect with a timeout: a connect that cannot finish (accept queue full) fails with TimeoutError", async () => {
  await using ring = AsyncRing.create({ entries: 16 });
  // backlog 0: one connection fills the accept queue; the kernel drops
  // further SYNs (LINUX_MIB_LISTENOVERFLOWS), so the next connect hangs.
  await using server = await listen({ port: 0, ring, backlog: 0 });
  const first = await connect({ port: server.port, ring });
  const fd = await ring.op("socket", (s, at) => prepSocket(s, at, AF.INET, SOCK.STREAM | SOCK.CLOEXEC, 0, 0));
  await assert.rejects(ring.run(OPERATIONS.CONNECT, [fd, sockaddrIn(server.port)], { timeout: 200 }), {
    name: "TimeoutError",
  });
  // The sync ring: Ring.connect links a LINK_TIMEOUT after the CONNECT.
  using r = Ring.create({ entries: 4 });
  const fd2 = await ring.op(
    "socket",
    (s, at) => prepSocket(s, at, AF.INET, SOCK.STREAM | SOCK.CLOEXEC, 0, 0),
  );
  r.connect(fd2, sockaddrIn(server.port), { tag: "connect", timeout: 200, timeoutTag: "timeout" });
  assert.equal(r.pending, 2);
  assert.equal(r.sqes.u8[1] & SqeFlag.IO_LINK, SqeFlag.IO_LINK); // the connect SQE links to the timeout
  r.submitAndWait(2);
  const cs = r.completions().sort((a, b) => String(a.tag).localeCompare(String(b.tag)));
  assert.deepEqual(cs.map((c) => [c.tag, c.res]), [["connect", -Errno.ECANCELED], ["timeout", -Errno.ETIME]]);
  await first.close();
  await ring.closeFd(fd);
  await ring.closeFd(fd2);
});

test("sendmsg/recvmsg on UDP sockets: data across two buffers, the source address filled in", {
  skip: skipIf(
    !kernelAtLeast("6.11") && "requires Linux 6.11: IORING_OP_BIND (the test binds through the ring)",
  ),
}, async () => {
  await using ring = AsyncRing.create({ entries: 16 });
  const udp = () => ring.op("socket", (s, at) => prepSocket(s, at, AF.INET, SOCK.DGRAM | SOCK.CLOEXEC, 0, 0));
  const a = await udp(), b = await udp();
  // a is never bound: its first sendmsg binds it to an ephemeral port, which
  // b learns from recvmsg's name.
  const server = await listenUdpPort(ring, b);
  const head = new TextEncoder().encode("head:"), body = pattern(1000, 9);
  const sent = await ring.run(OPERATIONS.SENDMSG, [
    a,
    { buffers: [head, body], name: sockaddrIn(server) },
    0,
  ]);
  assert.equal(sent, 1005);
  const msg: MessageHeader = { buffers: [new Uint8Array(5), new Uint8Array(2000)], name: new Uint8Array(28) };
  assert.equal(await ring.run(OPERATIONS.RECVMSG, [b, msg, 0]), 1005);
  assert.deepEqual(msg.buffers[0], head);
  assert.deepEqual((msg.buffers[1] as Uint8Array).subarray(0, 1000), body);
  assert.equal(msg.nameLength, 16);
  assert.equal(msg.name![0], AF.INET);
  assert.deepEqual([...msg.name!.subarray(4, 8)], [127, 0, 0, 1]);
  const fromPort = (msg.name![2] << 8) | msg.name![3];
  assert.ok(fromPort > 0);
  assert.equal(msg.flags, 0);
  // A reply to that address arrives at a; a buffer too small says MSG_TRUNC.
  await ring.sendmsg(b, { buffers: [body], name: msg.name!.subarray(0, 16) });
  const small: MessageHeader = { buffers: [new Uint8Array(10)] };
  assert.equal(await ring.recvmsg(a, small), 10);
  assert.deepEqual(small.buffers[0], body.subarray(0, 10));
  assert.ok(small.flags! & 0x20, `MSG_TRUNC in ${small.flags}`);
  await ring.closeFd(a);
  await ring.closeFd(b);
});

/** Bind `fd` to 127.0.0.1 on an ephemeral port with IORING_OP_BIND (6.11) and return the port, or skip. */
async function listenUdpPort(ring: AsyncRing, fd: number): Promise<number> {
  // Find a free port by trying from a random start: IORING_OP_BIND has no getsockname.
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const sa = sockaddrIn(port);
    try {
      await ring.op("bind", (s, at) => prepBind(s, at, fd, getAddr(sa), 16), sa);
      return port;
    } catch (e) {
      if (!(e instanceof UringError) || e.errno !== Errno.EADDRINUSE) throw e;
    }
  }
  throw new Error("no free UDP port found");
}

const getAddr = (b: Uint8Array) => getNative().addressOf(b);

test("fixed_fd_install gives a regular descriptor for a fixed-file slot; closeDirect empties the slot", async () => {
  using dir = tempDir();
  const path = fileWith(dir.path, "f", new TextEncoder().encode("fixed"));
  const fd = openSync(path, "r");
  await using ring = AsyncRing.create({ entries: 8 });
  if (!opSupported(ring.ring, Op.FIXED_FD_INSTALL)) {
    await assert.rejects(ring.run(OPERATIONS.FIXED_FD_INSTALL, [0, 0]), { message: /requires Linux 6\.8/ });
    closeSync(fd);
    return;
  }
  ring.ring.registerFiles([-1, fd]);
  closeSync(fd); // the slot holds the file
  const installed = await ring.run(OPERATIONS.FIXED_FD_INSTALL, [1, Misc.FIXED_FD_NO_CLOEXEC]);
  assert.ok(installed >= 0);
  assert.equal(new TextDecoder().decode(await readAll(ring, installed, 16)), "fixed");
  await ring.closeFd(installed);
  assert.equal(await ring.run(OPERATIONS.CLOSE_DIRECT, [1]), 0);
  await assert.rejects(ring.run(OPERATIONS.FIXED_FD_INSTALL, [1, 0]), { code: "EBADF" });
});

test("sendmsg/recvmsg control data: a descriptor passed with SCM_RIGHTS over a Unix socket reads the same file", async () => {
  using dir = tempDir();
  const path = fileWith(dir.path, "passed", new TextEncoder().encode("passed along"));
  await using ring = AsyncRing.create({ entries: 16 });
  const name = `\0jsuring-scm-${process.pid}-${Math.random()}`;
  await using server = await listen({ path: name, ring });
  await using client = await connect({ path: name, ring });
  const conn = await server.accept();
  const fd = await ring.openat(path, O.RDONLY | O.CLOEXEC);
  // struct cmsghdr { u64 cmsg_len = 20; int level = SOL_SOCKET; int type = SCM_RIGHTS } + int fd, padded to 24.
  const control = new Uint8Array(24);
  const dv = new DataView(control.buffer);
  dv.setUint32(0, 20, true);
  dv.setInt32(8, 1, true);
  dv.setInt32(12, 1, true);
  dv.setInt32(16, fd, true);
  assert.equal(await ring.sendmsg(client.fd, { buffers: [new Uint8Array([42])], control }), 1);
  await ring.closeFd(fd);
  const msg: MessageHeader = { buffers: [new Uint8Array(4)], control: new Uint8Array(64) };
  assert.equal(await ring.recvmsg(conn.fd, msg, MSG.CMSG_CLOEXEC), 1);
  assert.equal((msg.buffers[0] as Uint8Array)[0], 42);
  assert.equal(msg.controlLength, 24); // CMSG_SPACE(sizeof(int))
  const got = new DataView(msg.control!.buffer);
  assert.deepEqual([got.getUint32(0, true), got.getInt32(8, true), got.getInt32(12, true)], [20, 1, 1]);
  const passed = got.getInt32(16, true);
  assert.equal(new TextDecoder().decode(await readAll(ring, passed, 64)), "passed along");
  await ring.closeFd(passed);
  await conn.close();
});
