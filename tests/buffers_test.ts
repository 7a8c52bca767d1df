/**
 * Provided buffers (legacy groups), buffer rings (user, kernel-mapped,
 * incremental), buffer rings placed in caller memory, and fixed buffers and
 * files, against the real kernel: contents verified byte for byte under enough
 * concurrency to cycle every buffer many times.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, constants, openSync, readFileSync, writeSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import {
  Arena,
  type BufferGroup,
  BufferRing,
  checkProvide,
  connect,
  CqeFlag,
  createRingWithRegion,
  Errno,
  FixedBuffers,
  kernelAtLeast,
  listen,
  prepProvideBuffers,
  prepRemoveBuffers,
  ProvidedBuffers,
  readFileSync as readWhole,
  Ring,
  SqeFlag,
  UringError,
} from "../mod.ts";
import { fileWith, needsKernel, pattern, skipIf, tempDir } from "./_helpers.ts";

const FILE_SIZE = 3 << 20; // 3 MiB

/**
 * Read `data.length` bytes of `fd` in `chunk`-byte reads through `group`,
 * `depth` in flight, verifying every byte; reads that find the group empty
 * (ENOBUFS) are queued again after buffers are recycled.
 */
function stream(
  ring: Ring,
  group: BufferGroup,
  fd: number,
  data: Uint8Array,
  chunk: number,
  depth: number,
  how: "read" | "readv" = "read",
): { enobufs: number; uses: Uint32Array } {
  const todo: number[] = [];
  for (let off = 0; off < data.length; off += chunk) todo.push(off);
  todo.reverse();
  const uses = new Uint32Array(group.firstId + group.count);
  let inFlight = 0, enobufs = 0, done = 0;
  const need = todo.length;
  while (done < need) {
    while (inFlight < depth && todo.length) {
      const off = todo.pop()!;
      group[how](fd, off, { tag: off, length: chunk });
      inFlight++;
    }
    ring.submitAndWait(1);
    const recycle: number[] = [];
    ring.reap((res, flags, tag) => {
      inFlight--;
      const off = tag as number;
      let buf;
      try {
        buf = group.take(res, flags, chunk);
      } catch (e) {
        assert.ok(e instanceof UringError && e.code === "ENOBUFS", String(e));
        enobufs++;
        todo.push(off);
        return;
      }
      assert.ok(buf, "a completed read carries a buffer");
      const want = Math.min(chunk, data.length - off);
      assert.equal(res, want, `read at ${off}`);
      const expect = data.subarray(off, off + want);
      if (!bytesEqual(buf.bytes, expect)) {
        assert.fail(`bytes at file offset ${off} (buffer ${buf.id}) differ`);
      }
      uses[buf.id]++;
      done++;
      if (!buf.more) recycle.push(buf.id);
    });
    for (const id of recycle) group.recycle(id);
  }
  // Legacy recycles are SQEs of their own: submit them, their completions go to the group.
  ring.submit();
  ring.reap(() => assert.fail("no other completion is expected"));
  assert.equal(ring.inFlight, 0);
  return { enobufs, uses };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A FIFO opened read-write (never blocks on open): a pipe the kernel can poll. */
function fifo(dir: string, name = "fifo"): number {
  const path = join(dir, name);
  execFileSync("mkfifo", [path]);
  return openSync(path, constants.O_RDWR);
}

function rawProvide(ring: Ring, addr: number, len: number, nr: number, bgid: number, bid: number): number {
  const at = ring.getSqe();
  prepProvideBuffers(ring.sqes, at, addr, len, nr, bgid, bid);
  ring.track(at, "provide");
  ring.submitAndWait(1);
  return ring.completions()[0].res;
}

function rawRemove(ring: Ring, nr: number, bgid: number): number {
  const at = ring.getSqe();
  prepRemoveBuffers(ring.sqes, at, nr, bgid);
  ring.track(at, "remove");
  ring.submitAndWait(1);
  return ring.completions()[0].res;
}

// ------------------------------------------------------------------ legacy

test("ProvidedBuffers: reads and readv cycle every buffer many times, bytes exact", () => {
  using dir = tempDir();
  const data = pattern(FILE_SIZE, 11);
  const fd = openSync(fileWith(dir.path, "f", data), "r");
  try {
    using ring = Ring.create({ entries: 64 });
    using group = ProvidedBuffers.create(ring, { group: 5, count: 8, size: 16384, firstId: 100 });
    for (const how of ["read", "readv"] as const) {
      const { enobufs, uses } = stream(ring, group, fd, data, 16384, 24, how);
      for (let id = 100; id < 108; id++) assert.ok(uses[id] >= 10, `buffer ${id} used ${uses[id]} times`);
      assert.ok(enobufs > 0, "24 reads in flight over 8 buffers run the group dry");
      assert.equal(group.available, 8);
    }
  } finally {
    closeSync(fd);
  }
});

test("ProvidedBuffers: ENOBUFS when the group is empty, then refill and continue", () => {
  using dir = tempDir();
  const data = pattern(8 * 4096, 3);
  const fd = openSync(fileWith(dir.path, "f", data), "r");
  try {
    using ring = Ring.create({ entries: 16 });
    using group = ProvidedBuffers.create(ring, { group: 1, count: 2, size: 4096 });
    for (let i = 0; i < 3; i++) group.read(fd, i * 4096, { tag: i });
    ring.submitAndWait(3);
    const taken: number[] = [];
    let failure: unknown;
    ring.reap((res, flags) => {
      try {
        taken.push(group.take(res, flags)!.id);
      } catch (e) {
        failure = e;
      }
    });
    assert.equal(taken.length, 2);
    assert.ok(failure instanceof UringError);
    assert.equal(failure.code, "ENOBUFS");
    assert.match(failure.hint!, /recycle/);
    assert.equal(group.available, 0);
    group.recycleMany(taken); // one SQE: ids 0..1 are consecutive
    group.read(fd, 2 * 4096, { tag: 2 });
    ring.submitAndWait(1);
    const [c] = ring.completions();
    const buf = group.take(c.res, c.flags)!;
    assert.deepEqual(buf.bytes, data.subarray(8192, 12288));
  } finally {
    closeSync(fd);
  }
});

/** Whether the CPU has 5-level paging (user space then reaches past 2^47). */
const la57 = () => /\bla57\b/.test(readFileSync("/proc/cpuinfo", "utf8"));

test("ProvidedBuffers: arguments are checked as the kernel checks them (validation table)", () => {
  using ring = Ring.create({ entries: 16 });
  using arena = Arena.create({ size: 4 << 20, memory: "pages" });
  const a = arena.address;
  // [what, library call, raw kernel result on this kernel]
  const table: [string, () => unknown, number, number[]][] = [
    ["0 buffers", () => checkProvide(a, 16, 0, 0), rawProvide(ring, a, 16, 0, 1, 0), [-Errno.E2BIG]],
    // The kernel accepts 65536 (since 6.15 MAX_BIDS_PER_BGID) but keeps only 65535 (see below).
    ["65536 buffers", () => checkProvide(a, 16, 65536, 0), rawProvide(ring, a, 16, 65536, 2, 0), [
      0,
      -Errno.E2BIG,
    ]],
    ["bid 65536", () => checkProvide(a, 16, 1, 65536), rawProvide(ring, a, 16, 1, 3, 65536), [-Errno.E2BIG]],
    ["bid 65535 + 2 buffers", () => checkProvide(a, 16, 2, 65535), rawProvide(ring, a, 16, 2, 4, 65535), [
      -Errno.EINVAL,
      0,
    ]],
    ["zero length", () => checkProvide(a, 0, 1, 0), rawProvide(ring, a, 0, 1, 5, 0), [-Errno.EINVAL, 0]],
    [
      "address past user space",
      () => checkProvide(0x7ffffffff000 - 16, 32, 1, 0),
      rawProvide(ring, 0x7ffffffff000 - 16, 32, 1, 6, 0),
      // With 5-level paging (la57: qemu -cpu max) the address is user space.
      la57() ? [-Errno.EFAULT, 0] : [-Errno.EFAULT],
    ],
  ];
  for (const [what, call, kernel, expected] of table) {
    assert.throws(call, RangeError, what);
    assert.ok(expected.includes(kernel), `${what}: kernel said ${kernel}`);
  }
  // The group API refuses the same before any SQE is written.
  assert.throws(() => ProvidedBuffers.create(ring, { group: 9, count: 0, size: 16 }), RangeError);
  assert.throws(() => ProvidedBuffers.create(ring, { group: 9, count: 65536, size: 16 }), RangeError);
  assert.throws(
    () => ProvidedBuffers.create(ring, { group: 9, count: 1, size: 16, firstId: 65536 }),
    RangeError,
  );
  assert.throws(() => ProvidedBuffers.create(ring, { group: 9, count: 1, size: 0 }), RangeError);
  assert.throws(() => ProvidedBuffers.create(ring, { group: 65536, count: 1, size: 16 }), RangeError);
  assert.throws(
    () => ProvidedBuffers.create(ring, { group: 9, count: 4, size: 4096, memory: new Uint8Array(4095) }),
    RangeError,
  );
  assert.equal(ring.pending, 0);
});

test("the legacy group limit: 65536 provided, 65535 kept, one more is EOVERFLOW", {
  skip: skipIf(needsKernel("6.16", "the 65,535-buffer limit of legacy provided groups (EOVERFLOW)")),
}, () => {
  using ring = Ring.create({ entries: 16 });
  using arena = Arena.create({ size: 4 << 20, memory: "pages" });
  // The kernel accepts 65536 (MAX_BIDS_PER_BGID) but keeps only 65535: REMOVE
  // finds 65535, and one more is EOVERFLOW.
  assert.equal(rawProvide(ring, arena.address, 16, 65536, 2, 0), 0);
  assert.equal(rawProvide(ring, arena.address, 16, 1, 2, 0), -Errno.EOVERFLOW);
  assert.equal(rawRemove(ring, 65535, 2), 65535);
});

test("duplicate buffer ids: the kernel accepts them, the library never hands one out twice", () => {
  using dir = tempDir();
  const data = pattern(8192, 9);
  const fd = openSync(fileWith(dir.path, "f", data), "r");
  try {
    using ring = Ring.create({ entries: 16 });
    using arena = Arena.create({ size: 1 << 20, memory: "pages" });
    // Raw: two different buffers, both id 5, in group 20: both accepted...
    assert.equal(rawProvide(ring, arena.address, 4096, 1, 20, 5), 0);
    assert.equal(rawProvide(ring, arena.address + 4096, 4096, 1, 20, 5), 0);
    // ...and two reads each report id 5: which memory holds which is unknowable from the CQE.
    for (let i = 0; i < 2; i++) {
      const at = ring.getSqe();
      // read 4096 at offset i*4096 with buffer select from group 20
      const { u32, u16 } = ring.sqes;
      const w = at >>> 2;
      u32.fill(0, w, w + 16);
      u32[w] = 22; // IORING_OP_READ
      u32[w + 1] = fd;
      u32[w + 2] = i * 4096;
      u32[w + 6] = 4096;
      u16[(at >>> 1) + 20] = 20;
      ring.sqes.u8[at + 1] = SqeFlag.BUFFER_SELECT;
      ring.track(at, i);
    }
    ring.submitAndWait(2);
    const ids = ring.completions().filter((c) => c.res > 0).map((c) => c.flags >>> CqeFlag.BUFFER_SHIFT);
    assert.deepEqual(ids, [5, 5]);
    // The library: a buffer the kernel holds cannot be recycled, and a second group cannot take id 20... or 21 twice.
    using group = ProvidedBuffers.create(ring, { group: 21, count: 4, size: 4096 });
    assert.throws(() => group.recycle(2), /already with the kernel/);
    assert.throws(() => group.recycleMany([1, 1]), RangeError);
    assert.throws(() => ProvidedBuffers.create(ring, { group: 21, count: 1, size: 16 }), /already in use/);
    assert.throws(() => BufferRing.create(ring, { group: 21, entries: 2, size: 16 }), /already in use/);
    assert.throws(() => group.recycle(4), /not in provided buffer group 21/);
  } finally {
    closeSync(fd);
  }
});

// ------------------------------------------------------------ buffer rings

for (const ringMemory of ["user", "kernel"] as const) {
  test(`BufferRing (${ringMemory} descriptor memory): reads cycle every buffer many times, bytes exact`, {
    skip: ringMemory === "kernel" && skipIf(needsKernel("6.4", "kernel-mapped buffer rings (IOU_PBUF_RING_MMAP)")),
  }, () => {
    using dir = tempDir();
    const data = pattern(FILE_SIZE, 21);
    const fd = openSync(fileWith(dir.path, "f", data), "r");
    try {
      using ring = Ring.create({ entries: 64 });
      using br = BufferRing.create(ring, {
        group: 3,
        entries: 16,
        count: 8,
        size: 16384,
        ringMemory: ringMemory === "kernel" ? "kernel" : undefined,
      });
      assert.equal(br.ringMemory, ringMemory);
      for (const how of ["read", "readv"] as const) {
        const { enobufs, uses } = stream(ring, br, fd, data, 16384, 24, how);
        for (let id = 0; id < 8; id++) assert.ok(uses[id] >= 10, `buffer ${id} used ${uses[id]} times`);
        assert.ok(enobufs > 0);
      }
      assert.equal(br.available, 8);
      // The kernel's head (PBUF_STATUS, 6.8) counts every descriptor it consumed.
      if (!needsKernel("6.8", "PBUF_STATUS")) {
        assert.equal(br.kernelHead(), (2 * (FILE_SIZE / 16384)) & 0xffff);
      }
    } finally {
      closeSync(fd);
    }
  });
}

test("BufferRing: ENOBUFS when the ring is empty, then recycle (one publish) and continue", () => {
  using dir = tempDir();
  const data = pattern(16 * 1024, 4);
  const fd = openSync(fileWith(dir.path, "f", data), "r");
  try {
    using ring = Ring.create({ entries: 16 });
    using br = BufferRing.create(ring, { group: 0, entries: 4, size: 1024 });
    for (let i = 0; i < 6; i++) br.read(fd, i * 1024, { tag: i });
    ring.submitAndWait(6);
    const ids: number[] = [];
    let enobufs = 0;
    ring.reap((res, flags) => {
      try {
        ids.push(br.take(res, flags)!.id);
      } catch (e) {
        assert.ok(e instanceof UringError && e.errno === Errno.ENOBUFS);
        enobufs++;
      }
    });
    assert.deepEqual([ids.length, enobufs], [4, 2]);
    for (const id of ids) br.recycle(id, false);
    assert.equal(br.unpublished, 4);
    br.publish();
    assert.equal(br.unpublished, 0);
    assert.throws(() => br.recycle(ids[0]), /already with the kernel/);
    for (let i = 4; i < 6; i++) br.read(fd, i * 1024, { tag: i });
    ring.submitAndWait(2);
    for (const c of ring.completions()) {
      const b = br.take(c.res, c.flags)!;
      const off = (c.tag as number) * 1024;
      assert.deepEqual(b.bytes, data.subarray(off, off + 1024));
    }
  } finally {
    closeSync(fd);
  }
});

test("BufferRing: kernel rules are checked first", () => {
  using ring = Ring.create({ entries: 8 });
  using arena = Arena.create({ size: 1 << 20, memory: "pages" });
  for (const entries of [0, 3, 65536, 32768 * 2]) {
    assert.throws(
      () => BufferRing.create(ring, { group: 1, entries, size: 64 }),
      RangeError,
      `entries ${entries}`,
    );
  }
  assert.throws(() => BufferRing.create(ring, { group: 1, entries: 4, count: 5, size: 64 }), RangeError);
  const s = arena.alloc(8192);
  assert.throws(
    () =>
      BufferRing.create(ring, {
        group: 1,
        entries: 4,
        size: 64,
        ringMemory: { address: s.address + 64, size: 4096 },
      }),
    /page aligned/,
  );
  assert.throws(
    () =>
      BufferRing.create(ring, {
        group: 1,
        entries: 512,
        size: 64,
        ringMemory: { address: s.address, size: 4096 },
      }),
    RangeError,
  );
  // 32768 entries is the largest the kernel takes.
  using big = BufferRing.create(ring, { group: 1, entries: 32768, count: 4, size: 64 });
  assert.equal(big.entries, 32768);
});

test("incremental BufferRing: many small reads out of one buffer, offsets and lengths exact", {
  skip: skipIf(needsKernel("6.12", "IOU_PBUF_RING_INC")),
}, () => {
  using dir = tempDir();
  const data = pattern(256 * 1024, 8);
  const fd = openSync(fileWith(dir.path, "f", data), "r");
  try {
    using ring = Ring.create({ entries: 64 });
    const SIZE = 65536;
    using br = BufferRing.create(ring, { group: 2, entries: 2, count: 1, size: SIZE, incremental: true });
    // Ranges still to read, lengths 1..1000 (varied); 16 in flight.
    const todo: [number, number][] = [];
    for (let off = 0, k = 0; off < data.length; k++) {
      const len = Math.min(1 + ((k * 389) % 1000), data.length - off);
      todo.push([off, len]);
      off += len;
    }
    todo.reverse();
    let bufOff = 0, pieces = 0, finished = 0, short = 0, enobufs = 0, bytes = 0;
    while (todo.length) {
      const batch = todo.splice(Math.max(0, todo.length - 16)).reverse();
      for (const [off, len] of batch) br.read(fd, off, { tag: [off, len], length: len });
      ring.submitAndWait(batch.length);
      const recycle: number[] = [];
      ring.reap((res, flags, tag) => {
        const [off, len] = tag as [number, number];
        let b;
        try {
          // A regular file's read consumes the length asked for (at most what is left).
          b = br.take(res, flags, len);
        } catch (e) {
          assert.ok(e instanceof UringError && e.code === "ENOBUFS");
          enobufs++;
          todo.push([off, len]);
          return;
        }
        assert.ok(b);
        assert.ok(res > 0 && res <= len);
        if (b.offset !== bufOff) {
          assert.fail(`piece ${pieces} at buffer offset ${b.offset}, expected ${bufOff}`);
        }
        if (!bytesEqual(b.bytes, data.subarray(off, off + res))) {
          assert.fail(`piece at file offset ${off} differs`);
        }
        assert.equal(b.bytes.byteOffset - br.buffer(0).byteOffset, bufOff);
        bufOff += res;
        bytes += res;
        pieces++;
        if (res < len) {
          short++; // the buffer ran out mid-read: the rest is read again
          todo.push([off + res, len - res]);
        }
        if (!b.more) {
          assert.equal(bufOff, SIZE, "a buffer is finished exactly when used up");
          finished++;
          bufOff = 0;
          recycle.push(b.id);
        } else {
          assert.ok(flags & CqeFlag.F_BUF_MORE);
        }
      });
      for (const id of recycle) br.recycle(id);
      todo.sort((x, y) => y[0] - x[0]);
    }
    assert.equal(bytes, data.length);
    assert.ok(pieces > 400, `${pieces} pieces`);
    assert.equal(finished, data.length / SIZE, `the buffer was used up and recycled ${finished} times`);
    assert.ok(short > 0 && enobufs > 0);
  } finally {
    closeSync(fd);
  }
});

test("incremental BufferRing: a pipe stream consumes exactly the bytes received", {
  skip: skipIf(needsKernel("6.12", "IOU_PBUF_RING_INC")),
}, () => {
  using dir = tempDir();
  const fd = fifo(dir.path);
  try {
    using ring = Ring.create({ entries: 16 });
    using br = BufferRing.create(ring, { group: 4, entries: 1, size: 4096, incremental: true });
    const sent = pattern(20000, 5);
    let wrote = 0, got = 0, offset = 0, more = 0;
    while (got < sent.length) {
      const n = Math.min(1 + (wrote % 700), sent.length - wrote);
      if (n > 0) wrote += writeSync(fd, sent, wrote, n);
      br.read(fd, -1, { length: 0 });
      ring.submitAndWait(1);
      for (const c of ring.completions()) {
        const b = br.take(c.res, c.flags)!;
        assert.equal(b.offset, offset);
        assert.deepEqual(b.bytes, sent.subarray(got, got + c.res));
        got += c.res;
        offset += c.res;
        if (b.more) more++;
        else {
          offset = 0;
          br.recycle(b.id);
        }
      }
    }
    assert.ok(more > 10);
  } finally {
    closeSync(fd);
  }
});

test("recv with buffer selection on a TCP socket, through a legacy group and a buffer ring", async () => {
  await using server = await listen();
  const [a, b] = await Promise.all([server.accept(), connect({ port: server.port })]);
  try {
    using ring = Ring.create({ entries: 32 });
    using legacy = ProvidedBuffers.create(ring, { group: 1, count: 4, size: 1000 });
    using br = BufferRing.create(ring, { group: 2, entries: 4, size: 1000 });
    const sent = pattern(64 * 1024, 77);
    let wrote = 0, got = 0, turn = 0;
    while (got < sent.length) {
      if (wrote < sent.length) {
        // Through the ring: Deno's node:fs cannot write to a raw socket fd.
        ring.write(b.fd, sent.subarray(wrote, Math.min(wrote + 3000, sent.length)), -1, { tag: "write" });
        ring.submitAndWait(1);
        const [w] = ring.completions();
        assert.ok(w.res > 0);
        wrote += w.res;
      }
      const g = turn++ % 2 ? br : legacy;
      g.recv(a.fd, 0, { tag: g });
      ring.submitAndWait(1);
      for (const c of ring.completions()) {
        const group = c.tag as BufferGroup;
        const buf = group.take(c.res, c.flags)!;
        assert.ok(c.res > 0 && c.res <= 1000);
        assert.deepEqual(buf.bytes, sent.subarray(got, got + c.res));
        got += c.res;
        group.recycle(buf.id);
      }
    }
  } finally {
    await a.close();
    await b.close();
  }
});

// ------------------------------------------ unregister and close with ops armed

for (const kind of ["legacy", "ring"] as const) {
  test(`${kind}: unregistering with reads armed cancels them and waits first`, () => {
    using dir = tempDir();
    const fd = fifo(dir.path);
    try {
      using ring = Ring.create({ entries: 16 });
      const make = () =>
        kind === "legacy"
          ? ProvidedBuffers.create(ring, { group: 6, count: 4, size: 256 })
          : BufferRing.create(ring, { group: 6, entries: 4, size: 256 });
      const group = make();
      for (let i = 0; i < 3; i++) group.read(fd, -1, { tag: `armed${i}` });
      ring.nop({ tag: "other" });
      ring.submit();
      const drained = group.close();
      const armed = drained.filter((c) => String(c.tag).startsWith("armed"));
      assert.equal(armed.length, 3);
      for (const c of armed) assert.equal(c.res, -Errno.ECANCELED);
      assert.ok(drained.some((c) => c.tag === "other"), "other completions are handed back too");
      assert.ok(group.isClosed);
      assert.throws(() => group.read(fd), /closed/);
      assert.deepEqual(group.close(), []);
      // The id is free again, and the new group works.
      using again = make();
      writeSync(fd, new Uint8Array([1, 2, 3]));
      again.read(fd);
      ring.submitAndWait(1);
      const [c] = ring.completions();
      assert.deepEqual([...again.take(c.res, c.flags)!.bytes], [1, 2, 3]);
    } finally {
      closeSync(fd);
    }
  });
}

test("closing the ring with buffers outstanding and reads armed releases every group once", () => {
  using dir = tempDir();
  const fd = fifo(dir.path);
  try {
    const ring = Ring.create({ entries: 32 });
    const legacy = ProvidedBuffers.create(ring, { group: 1, count: 4, size: 128 });
    const br = BufferRing.create(ring, { group: 2, entries: 4, size: 128 });
    // A kernel-mapped descriptor ring where the kernel has them (6.4).
    const kr = BufferRing.create(ring, {
      group: 3,
      entries: 4,
      size: 128,
      ringMemory: kernelAtLeast("6.4") ? "kernel" : undefined,
    });
    // Outstanding: one buffer of each taken by the application, never recycled.
    writeSync(fd, new Uint8Array(300).fill(7));
    const groups = [legacy, br, kr];
    for (let i = 0; i < 3; i++) groups[i].read(fd, -1, { length: 100, tag: i });
    ring.submitAndWait(3);
    const held = ring.completions().map((c) => groups[c.tag as number].take(c.res, c.flags)!);
    assert.equal(held.length, 3);
    for (const g of [legacy, br, kr]) g.read(fd, -1, { tag: "armed" });
    ring.submit();
    const drained = ring.close();
    assert.equal(drained.filter((c) => c.tag === "armed" && c.res === -Errno.ECANCELED).length, 3);
    for (const g of [legacy, br, kr]) {
      assert.ok(g.isClosed);
      assert.deepEqual(g.close(), []); // released once: closing again is a no-op
      assert.throws(() => g.recycle(held[0].id), /closed/);
    }
  } finally {
    closeSync(fd);
  }
});

// ------------------------------------------------- rings in caller memory

test("two buffer rings inside one slice of memory at different offsets work side by side", () => {
  using dir = tempDir();
  const data = pattern(1 << 20, 17);
  const fd = openSync(fileWith(dir.path, "f", data), "r");
  try {
    using ring = Ring.create({ entries: 64 });
    using arena = Arena.create({ size: 4 << 20 });
    const region = arena.alloc(3 * 4096); // stands in for the param region
    const a = BufferRing.create(ring, {
      group: 10,
      entries: 8,
      size: 8192,
      ringMemory: { address: region.address, size: 4096 },
    });
    const b = BufferRing.create(ring, {
      group: 11,
      entries: 8,
      size: 8192,
      ringMemory: { address: region.address + 8192, size: 4096, bytes: region.bytes.subarray(8192, 12288) },
    });
    assert.equal(b.ringAddress - a.ringAddress, 8192);
    // Interleave: even chunks through a, odd through b, 12 in flight over 16 buffers.
    let done = 0, next = 0;
    const n = data.length / 8192;
    while (done < n) {
      while (next < n && ring.inFlight < 12) (next % 2 ? b : a).read(fd, next * 8192, { tag: next++ });
      ring.submitAndWait(1);
      ring.reap((res, flags, tag) => {
        const idx = tag as number;
        const g = idx % 2 ? b : a;
        const buf = g.take(res, flags)!;
        if (!bytesEqual(buf.bytes, data.subarray(idx * 8192, (idx + 1) * 8192))) {
          assert.fail(`chunk ${idx} differs`);
        }
        g.recycle(buf.id);
        done++;
      });
    }
    // The descriptor memory really is the slice: the tails sit at byte 14 of each ring.
    const tails = new Uint16Array(region.bytes.buffer, region.bytes.byteOffset, 3 * 2048);
    assert.equal(tails[7], (8 + n / 2) & 0xffff);
    assert.equal(tails[4096 + 7], (8 + n / 2) & 0xffff);
    a.close();
    b.close();
  } finally {
    closeSync(fd);
  }
});

test("two buffer rings inside one param region, at different offsets, side by side", {
  skip: skipIf(needsKernel("6.13", "IORING_REGISTER_MEM_REGION")),
}, () => {
  using dir = tempDir();
  const data = pattern(1 << 20, 19);
  const fd = openSync(fileWith(dir.path, "f", data), "r");
  try {
    using r = createRingWithRegion({ entries: 64, region: { size: 4 * 4096 } });
    const region = r.region!;
    region.slice("app.params", 256); // the region carries other parameters too
    const a = BufferRing.inRegion(region, { group: 1, entries: 8, size: 8192, offset: 4096 });
    const b = BufferRing.inRegion(region, { group: 2, entries: 8, size: 8192, offset: 3 * 4096 });
    assert.equal(a.ringAddress, region.address + 4096);
    assert.equal(b.ringAddress, region.address + 3 * 4096);
    assert.throws(
      () => BufferRing.inRegion(region, { group: 3, entries: 8, size: 64, offset: 100 }),
      /page aligned/,
    );
    let done = 0, next = 0;
    const n = data.length / 8192;
    while (done < n) {
      while (next < n && r.ring.inFlight < 12) (next % 2 ? b : a).read(fd, next * 8192, { tag: next++ });
      r.ring.submitAndWait(1);
      r.ring.reap((res, flags, tag) => {
        const idx = tag as number;
        const g = idx % 2 ? b : a;
        const buf = g.take(res, flags)!;
        if (!bytesEqual(buf.bytes, data.subarray(idx * 8192, (idx + 1) * 8192))) {
          assert.fail(`chunk ${idx} differs`);
        }
        g.recycle(buf.id);
        done++;
      });
    }
    // The tails the kernel reads are in the region's own memory.
    const tail = (off: number) => region.view.getUint16(off + 14, true);
    assert.equal(tail(4096), (8 + n / 2) & 0xffff);
    assert.equal(tail(3 * 4096), (8 + n / 2) & 0xffff);
    assert.equal(a.kernelHead(), n / 2);
  } finally {
    closeSync(fd);
  }
});

test("a buffer ring on the same hugepage as the ring itself", {
  skip: skipIf(needsKernel("6.5", "IORING_SETUP_NO_MMAP (rings in user memory)")),
}, () => {
  using dir = tempDir();
  const data = pattern(256 * 1024, 23);
  const fd = openSync(fileWith(dir.path, "f", data), "r");
  try {
    using ring = Ring.create({ entries: 16, memory: "user" });
    const arena = ring.arena!;
    const reason = arena.kind === "pages" ? "no hugepage (hugetlb or THP) for the ring's arena" : false;
    if (skipIf(reason)) return;
    const desc = arena.alloc(4096);
    assert.equal(
      Math.floor(desc.address / arena.pageSize),
      Math.floor(arena.address / arena.pageSize),
      "same hugepage",
    );
    using br = BufferRing.create(ring, { group: 1, entries: 4, size: 16384, ringMemory: desc });
    const { uses } = stream(ring, br, fd, data, 16384, 8);
    assert.ok(uses.every((u) => u >= 2));
  } finally {
    closeSync(fd);
  }
});

// -------------------------------------------------- fixed buffers and files

test("FixedBuffers over arena memory: READ_FIXED and WRITE_FIXED, with registered files", () => {
  using dir = tempDir();
  const data = pattern(1 << 20, 31);
  const inFd = openSync(fileWith(dir.path, "in", data), "r");
  const outPath = join(dir.path, "out");
  const outFd = openSync(outPath, "w+");
  try {
    using ring = Ring.create({ entries: 64 });
    using arena = Arena.create({ size: 2 << 20 });
    const slots = [arena.alloc(65536), arena.alloc(65536), arena.alloc(65536), arena.alloc(65536)];
    using table = FixedBuffers.register(ring, slots);
    ring.registerFiles([inFd, outFd]);
    // Read every 64 KiB chunk through a fixed buffer and a fixed file, write it out again.
    for (let off = 0; off < data.length; off += 4 * 65536) {
      for (let s = 0; s < 4; s++) table.read(0, s, off + s * 65536, { tag: s, flags: SqeFlag.FIXED_FILE });
      ring.submitAndWait(4);
      for (const c of ring.completions()) assert.equal(c.res, 65536);
      for (let s = 0; s < 4; s++) {
        assert.deepEqual(table.buffer(s)!, data.subarray(off + s * 65536, off + (s + 1) * 65536));
        table.write(1, s, off + s * 65536, { flags: SqeFlag.FIXED_FILE });
      }
      ring.submitAndWait(4);
      for (const c of ring.completions()) assert.equal(c.res, 65536);
    }
    assert.deepEqual(new Uint8Array(readFileSync(outPath)), data);
    ring.unregisterFiles();
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
});

test("FixedBuffers: sparse table, update, empty slots, and unregister with a read armed", () => {
  using dir = tempDir();
  const data = pattern(8192, 2);
  const fd = openSync(fileWith(dir.path, "f", data), "r");
  const pipe = fifo(dir.path);
  try {
    using ring = Ring.create({ entries: 16 });
    const table = FixedBuffers.sparse(ring, 8);
    assert.equal(table.buffer(3), undefined);
    assert.throws(() => table.read(fd, 3, 0), /empty/);
    const a = new Uint8Array(4096), b = new Uint8Array(8192);
    table.update(3, [a, b]);
    table.read(fd, 4, 0, { at: 100, length: 4000 });
    ring.submitAndWait(1);
    assert.equal(ring.completions()[0].res, 4000);
    assert.deepEqual(b.subarray(100, 4100), data.subarray(0, 4000));
    // A READ_FIXED on a slot past what was registered fails in the kernel (EFAULT), not silently.
    table.update(4, [null]);
    assert.equal(table.buffer(4), undefined);
    assert.throws(() => table.update(7, [a, b]), RangeError);
    // Armed read on an empty pipe: unregister cancels it first.
    table.read(pipe, 3, -1, { tag: "armed" });
    ring.submit();
    const drained = table.unregister();
    assert.deepEqual(drained.map((c) => [c.tag, c.res]), [["armed", -Errno.ECANCELED]]);
    assert.throws(() => table.read(fd, 3, 0), /unregistered/);
    // The ring can take a new table now.
    using again = FixedBuffers.register(ring, [new Uint8Array(64)]);
    assert.equal(again.slots, 1);
  } finally {
    closeSync(fd);
    closeSync(pipe);
  }
});

// ------------------------------------------------------------------ readFile

test("readFileSync (hugepage-backed) reads whole files into memory it owns, byte for byte", () => {
  using dir = tempDir();
  for (const size of [1, 4095, 4 << 20, (9 << 20) + 123]) {
    const data = pattern(size, size);
    using f = readWhole(fileWith(dir.path, `f${size}`, data), { chunk: 1 << 20 });
    assert.equal(f.size, size);
    assert.ok(bytesEqual(f.bytes, data), `${size} bytes`);
  }
  using empty = readWhole(fileWith(dir.path, "empty", new Uint8Array(0)));
  assert.equal(empty.size, 0);
  assert.throws(
    () => readWhole(join(dir.path, "missing")),
    (e) => e instanceof UringError && e.code === "ENOENT",
  );
  assert.throws(() => readWhole(dir.path), (e) => e instanceof UringError && e.code === "EISDIR");
  assert.throws(() => readWhole(dir.path, { chunk: 100 }), RangeError);
});
