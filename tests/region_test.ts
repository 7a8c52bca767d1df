/**
 * The param region and registered waits on the real kernel (6.13+): both
 * kinds of region memory, the R_DISABLED → register → enable flow, waits
 * through EXT_ARG_REG and EXT_ARG (timeout, min-wait, signal mask), slot
 * reuse under traffic, carving, every error case, freeing after close, and a
 * region sharing one hugepage with its ring.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import {
  createRingWithRegion,
  Errno,
  Feature,
  ParamRegion,
  requireRegions,
  Ring,
  UringError,
  WAIT_SIGMASKS_SLICE,
  WAIT_SLOT_SIZE,
  WAIT_SLOTS_SLICE,
  type WaitPath,
  WaitSlots,
} from "../mod.ts";
import { Arena } from "../src/memory/arena.ts";
import { isRoot, needsKernel, pattern, skipIf, tempDir } from "./_helpers.ts";

const noRegions = needsKernel("6.13", "param regions (IORING_REGISTER_MEM_REGION)");
const skip = skipIf(noRegions);
const now = () => performance.now();

/** A UringError with this errno name. */
function uringError(code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof UringError, `expected a UringError, got ${e}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

/** A ring for `path`: with registered slots, or a plain ring on the EXT_ARG path. */
function ringFor(path: WaitPath, slots = 4) {
  const r = path === "ext_arg_reg"
    ? createRingWithRegion({ entries: 16, waitSlots: slots })
    : createRingWithRegion({ entries: 16 });
  const waits = new WaitSlots(r.ring, path === "ext_arg" ? { path, slots } : {});
  assert.equal(waits.path, path);
  return { r, ring: r.ring, waits };
}

// ------------------------------------------------------------------ creation

test(
  "createRingWithRegion({ waitSlots }) registers the region on a disabled ring, then enables it",
  { skip },
  () => {
    using r = createRingWithRegion({ entries: 16, waitSlots: 8 });
    const region = r.region!;
    assert.ok(region, "a region");
    assert.equal(r.fallback, undefined);
    assert.equal(ParamRegion.of(r.ring), region);
    assert.equal(region.memory, "user");
    assert.equal(region.waitSlots, 8);
    assert.equal(region.size % 4096, 0);
    assert.equal(region.address % 4096, 0);
    assert.deepEqual(region.slices.map((s) => [s.name, s.offset, s.size]), [
      [WAIT_SLOTS_SLICE, 0, 8 * 64],
      [WAIT_SIGMASKS_SLICE, 8 * 64, 8 * 8],
    ]);
    // The ring is enabled: traffic flows.
    r.ring.nop({ tag: "x" });
    r.ring.submitAndWait(1);
    assert.deepEqual(r.ring.completions(), [{ res: 0, flags: 0, tag: "x" }]);
    const waits = new WaitSlots(r.ring);
    assert.equal(waits.path, "ext_arg_reg");
    assert.equal(waits.reason, undefined);
    assert.equal(waits.capacity, 8);
  },
);

test("the views cover the registered memory: what the kernel reads is what the views wrote", { skip }, () => {
  using r = createRingWithRegion({ entries: 8, waitSlots: 2, region: { size: 4096 } });
  const region = r.region!;
  assert.equal(region.bytes.byteLength, region.size);
  assert.equal(region.u32.length, region.size / 4);
  assert.equal(region.view.byteLength, region.size);
  const waits = new WaitSlots(r.ring);
  const slot = waits.acquire({ timeout: { sec: 3, nsec: 5 }, minWaitUsec: 7 });
  // struct io_uring_reg_wait, as the kernel reads it.
  const v = region.view, o = slot.offset;
  assert.equal(v.getBigInt64(o, true), 3n);
  assert.equal(v.getBigInt64(o + 8, true), 5n);
  assert.equal(v.getUint32(o + 16, true), 7);
  assert.equal(v.getUint32(o + 20, true), 1, "IORING_REG_WAIT_TS");
  // Rewrite the timeout through the DataView: the kernel follows it.
  v.setBigInt64(o, 0n, true);
  v.setBigInt64(o + 8, 20_000_000n, true);
  v.setUint32(o + 16, 0, true);
  const t0 = now();
  assert.equal(waits.waitRaw(1, slot), -Errno.ETIME);
  assert.ok(now() - t0 >= 19, "waited the 20 ms written through the view");
});

test("a kernel-allocated region is mapped from the ring fd and carries waits", { skip }, () => {
  using r = createRingWithRegion({ entries: 8, waitSlots: 4, region: { memory: "kernel", size: 4096 } });
  const region = r.region!;
  assert.equal(region.memory, "kernel");
  assert.equal(region.memoryKind, "pages");
  assert.equal(region.arena, undefined);
  assert.equal(region.mmapOffset, 0x20000000, "IORING_MAP_OFF_PARAM_REGION");
  assert.equal(region.size, 8192);
  assert.ok(region.bytes.every((b) => b === 0), "kernel pages come zeroed");
  const waits = new WaitSlots(r.ring);
  assert.equal(waits.path, "ext_arg_reg");
  for (let i = 0; i < 10; i++) r.ring.nop({ tag: i });
  assert.equal(waits.wait(10, { timeout: 5000 }), true);
  assert.equal(r.ring.completions().length, 10);
  const t0 = now();
  assert.equal(waits.waitRaw(1, { timeout: 15 }), -Errno.ETIME);
  assert.ok(now() - t0 >= 14);
  const s = region.slice("app", 100, 64);
  assert.ok(s.offset >= 4 * (64 + 8));
});

test("a region without wait slots registers on an enabled ring", { skip }, () => {
  using ring = Ring.create({ entries: 8 });
  const region = ParamRegion.register(ring, { size: 100 });
  assert.equal(region.size, 4096);
  assert.equal(region.waitSlots, 0);
  assert.deepEqual(region.slices, []);
  // No wait slots: waits take the EXT_ARG path and say why.
  const waits = new WaitSlots(ring);
  assert.equal(waits.path, "ext_arg");
  assert.match(waits.reason!, /no param region with wait slots/);
  assert.throws(() => new WaitSlots(ring, { path: "ext_arg_reg" }), TypeError);
});

test("a disabled ring stays disabled when asked, and waits need enable() first", { skip }, () => {
  using r = createRingWithRegion({ entries: 8, waitSlots: 2, disabled: true });
  const waits = new WaitSlots(r.ring);
  assert.throws(() => waits.wait(0, { timeout: 1 }), uringError("EBADFD"));
  r.ring.enable();
  assert.equal(waits.wait(0, { timeout: 1 }), true);
});

test("registered waits work with singleIssuer + deferTaskrun (enable() makes this thread the issuer)", {
  skip,
}, () => {
  using r = createRingWithRegion({ entries: 8, waitSlots: 2, singleIssuer: true, deferTaskrun: true });
  const waits = new WaitSlots(r.ring);
  r.ring.timeout(5, { tag: "t" });
  assert.equal(waits.wait(1, { timeout: 5000 }), true);
  assert.deepEqual(r.ring.completions(), [{ res: -Errno.ETIME, flags: 0, tag: "t" }]);
});

// ------------------------------------------------------------------ waits

for (const path of ["ext_arg_reg", "ext_arg"] as const) {
  const pskip = path === "ext_arg_reg" ? skip : false;

  test(`${path}: a wait with a timeout returns ETIME after at least the timeout`, { skip: pskip }, () => {
    const { r, waits } = ringFor(path);
    using _ = r;
    for (const ms of [1, 25, 60]) {
      const t0 = now();
      assert.equal(waits.waitRaw(1, { timeout: ms }), -Errno.ETIME);
      const took = now() - t0;
      assert.ok(took >= ms - 0.5, `${ms} ms timeout returned after ${took.toFixed(2)} ms`);
      assert.equal(waits.wait(1, { timeout: ms }), false);
    }
    // sec/nsec form
    const t0 = now();
    assert.equal(waits.waitRaw(1, { timeout: { sec: 0, nsec: 30_000_000 } }), -Errno.ETIME);
    assert.ok(now() - t0 >= 29.5);
  });

  test(`${path}: a wait with a timeout returns as soon as the completions are there`, { skip: pskip }, () => {
    const { r, ring, waits } = ringFor(path);
    using _ = r;
    ring.nop({ tag: 1 });
    ring.nop({ tag: 2 });
    assert.equal(waits.wait(2, { timeout: 10_000 }), true);
    assert.deepEqual(ring.completions().map((c) => c.tag), [1, 2]);
    // A timeout op completing inside the wait's time.
    ring.timeout(10, { tag: "t" });
    const t0 = now();
    assert.equal(waits.wait(1, { timeout: 10_000 }), true);
    assert.ok(now() - t0 >= 9.5);
    assert.deepEqual(ring.completions(), [{ res: -Errno.ETIME, flags: 0, tag: "t" }]);
  });

  test(`${path}: min-wait returns after the minimum wait once one completion is in`, {
    skip: pskip || skipIf(needsKernel("6.12", "min-wait (IORING_FEAT_MIN_TIMEOUT)")),
  }, () => {
    const { r, ring, waits } = ringFor(path);
    using _ = r;
    assert.ok(ring.features & Feature.MIN_TIMEOUT);
    // One of the two completions arrives at once; the wait for two gives up
    // after the 40 ms minimum rather than the 30 s timeout, and not with ETIME.
    ring.nop({ tag: "now" });
    ring.submit();
    const t0 = now();
    const ret = waits.waitRaw(2, { timeout: 30_000, minWaitUsec: 40_000 });
    const took = now() - t0;
    assert.ok(ret >= 0, `min-wait ended the wait without an error, got ${ret}`);
    assert.ok(took >= 39.5, `returned after ${took.toFixed(2)} ms, before the minimum wait`);
    assert.equal(ring.ready, 1);
    ring.completions();
    // With nothing completing, min-wait does not cut the timeout short.
    const t1 = now();
    assert.equal(waits.waitRaw(1, { timeout: 50, minWaitUsec: 5_000 }), -Errno.ETIME);
    assert.ok(now() - t1 >= 49.5);
  });

  test(`${path}: a signal mask of 8 bytes is accepted, and the kernel reads it`, { skip: pskip }, () => {
    const { r, waits } = ringFor(path);
    using _ = r;
    const t0 = now();
    assert.equal(waits.waitRaw(1, { timeout: 10, sigmask: ["SIGUSR1", "SIGINT", 40] }), -Errno.ETIME);
    assert.ok(now() - t0 >= 9.5);
    assert.equal(waits.wait(1, { timeout: 1, sigmask: [] }), false);
    assert.throws(() => waits.acquire({ sigmask: ["SIGNOPE"] }), RangeError);
    assert.throws(() => waits.acquire({ sigmask: [65] }), RangeError);
  });
}

test("ext_arg_reg: the sigset lives in the region and the slot points at it", { skip }, () => {
  using r = createRingWithRegion({ entries: 8, waitSlots: 4 });
  const waits = new WaitSlots(r.ring);
  const region = r.region!;
  const slot = waits.acquire({ timeout: 5, sigmask: ["SIGUSR1", "SIGUSR2"] });
  const v = region.view;
  const sigAt = region.get(WAIT_SIGMASKS_SLICE)!.offset + slot.index * 8;
  assert.equal(Number(v.getBigUint64(slot.offset + 24, true)), region.address + sigAt, "sigmask → region");
  assert.equal(v.getUint32(slot.offset + 32, true), 8, "sigmask_sz");
  assert.equal(v.getBigUint64(sigAt, true), (1n << 9n) | (1n << 11n), "SIGUSR1 | SIGUSR2");
});

test("ext_arg_reg: a sigmask size other than 8 is EINVAL, a bad sigmask pointer EFAULT", { skip }, () => {
  using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
  const waits = new WaitSlots(r.ring);
  const bad = waits.writeSlot(0, { timeout: 5, sigmask: ["SIGUSR1"], sigmaskSize: 4 });
  assert.throws(() => waits.wait(1, bad), uringError("EINVAL"));
  // The kernel dereferences the pointer: a page that is never mapped faults.
  const wild = waits.writeSlot(1, { timeout: 5, sigmaskAddress: 8, sigmaskSize: 8 });
  assert.throws(() => waits.wait(1, wild), uringError("EFAULT"));
  // The same slot with the region's own sigset is fine.
  const fine = waits.writeSlot(1, { timeout: 5, sigmask: ["SIGUSR1"] });
  assert.equal(waits.wait(1, fine), false);
  // Unknown slot flags: EINVAL.
  const flags = waits.writeSlot(0, { timeout: 5, flags: 2 });
  assert.throws(() => waits.wait(1, flags), uringError("EINVAL"));
});

test("ext_arg_reg: a slot without a timeout waits for the completions only", { skip }, () => {
  using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
  const waits = new WaitSlots(r.ring);
  r.ring.timeout(15, { tag: "t" });
  const t0 = now();
  assert.equal(waits.wait(1), true);
  assert.ok(now() - t0 >= 14.5);
  assert.equal(r.ring.completions()[0].tag, "t");
});

// ------------------------------------------------------------------ slots

test("slots are written once and reused while the options are unchanged", { skip }, () => {
  using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
  const waits = new WaitSlots(r.ring);
  const held = waits.acquire({ timeout: 1000 });
  assert.equal(waits.writes, 1);
  for (let i = 0; i < 200; i++) {
    r.ring.nop();
    assert.equal(waits.wait(1, held), true);
    assert.equal(r.ring.reap(() => {}), 1);
  }
  assert.equal(waits.writes, 1, "200 waits, one slot write");
  // Equal options (a fresh object each time) find the same slot.
  for (let i = 0; i < 50; i++) {
    r.ring.nop();
    waits.wait(1, { timeout: 1000 });
    r.ring.reap(() => {});
  }
  assert.equal(waits.writes, 1);
  assert.equal(waits.acquire({ timeout: 1000 }), held);
  // Three different option sets over the one free slot: rewritten on each change.
  const before = waits.writes;
  for (const ms of [1, 2, 3, 1]) waits.wait(1, { timeout: ms });
  assert.equal(waits.writes, before + 4);
  assert.equal(held.index, 0, "the held slot was never evicted");
  assert.equal(r.region!.view.getBigInt64(held.offset + 8, true), 0n, "held slot still says 1 s");
  assert.equal(r.region!.view.getBigInt64(held.offset, true), 1n);
});

test("all slots held: acquire() throws until one is released", { skip }, () => {
  using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
  const waits = new WaitSlots(r.ring);
  const a = waits.acquire({ timeout: 1 });
  const b = waits.acquire({ timeout: 2 });
  assert.notEqual(a.index, b.index);
  assert.throws(() => waits.acquire({ timeout: 3 }), RangeError);
  assert.throws(() => waits.wait(1, { timeout: 3 }), RangeError);
  waits.release(a);
  assert.equal(waits.acquire({ timeout: 3 }).index, a.index);
  assert.throws(() => waits.release({ index: 0, offset: 0, path: "ext_arg_reg" }), TypeError);
});

for (const path of ["ext_arg_reg", "ext_arg"] as const) {
  test(`${path}: many waits over reused slots, completions from timeouts and file reads, nothing lost`, {
    skip: path === "ext_arg_reg" ? skip : false,
  }, () => {
    using dir = tempDir();
    const block = 4096, blocks = 64;
    const data = pattern(block * blocks, 7);
    const file = `${dir.path}/data`;
    writeFileSync(file, data);
    const fd = openSync(file, "r");
    try {
      const { r, ring, waits } = ringFor(path, 3);
      using _ = r;
      // Three option sets in turn over three slots, and now and then a fourth
      // that evicts the least recently used one.
      // min-wait where the kernel has it (6.12; before, the field must be 0).
      const minWait = ring.features & Feature.MIN_TIMEOUT ? { minWaitUsec: 100 } : {};
      const options = [{ timeout: 2 }, { timeout: 50, ...minWait }, { timeout: 1000 }];
      const rare = { timeout: 5, sigmask: ["SIGUSR2"] };
      let rareUses = 0;
      const total = 600;
      const seen = new Uint8Array(total);
      const bufs = new Map<number, Uint8Array>();
      let issued = 0, done = 0, waitsDone = 0, timedOut = 0;
      while (done < total) {
        while (issued < total && ring.sqSpace > 0 && ring.inFlight < 12) {
          const id = issued++;
          if (id % 3 === 0) ring.timeout(1 + (id % 4), { tag: id });
          else {
            const buf = new Uint8Array(block);
            bufs.set(id, buf);
            ring.read(fd, buf, (id % blocks) * block, { tag: id });
          }
        }
        const useRare = ++waitsDone % 25 === 0;
        if (useRare) rareUses++;
        const ok = waits.wait(
          Math.min(4, ring.inFlight),
          useRare ? rare : options[waitsDone % options.length],
        );
        if (!ok) timedOut++;
        done += ring.reap((res, _f, tag) => {
          const id = tag as number;
          seen[id]++;
          if (id % 3 === 0) assert.equal(res, -Errno.ETIME, `timeout ${id}`);
          else {
            assert.equal(res, block, `read ${id}`);
            const at = (id % blocks) * block;
            assert.deepEqual(bufs.get(id), data.subarray(at, at + block));
            bufs.delete(id);
          }
        });
      }
      assert.ok(seen.every((c) => c === 1), "every operation completed exactly once");
      assert.equal(ring.inFlight, 0);
      assert.ok(waitsDone > 50, `${waitsDone} waits`);
      // Each rare wait costs at most two writes (itself, and the set it evicted).
      assert.ok(waits.writes <= 3 + 2 * rareUses, `${waits.writes} writes for ${waitsDone} waits`);
      void timedOut;
    } finally {
      closeSync(fd);
    }
  });
}

// ------------------------------------------------------------------ carving

test(
  "slice(): named, aligned, first fit after the wait slots; overlaps and out of bounds rejected",
  { skip },
  () => {
    using r = createRingWithRegion({ entries: 8, waitSlots: 4, region: { size: 4096 } });
    const region = r.region!;
    const waitEnd = 4 * (WAIT_SLOT_SIZE + 8);
    const a = region.slice("a", 100, 64);
    assert.equal(a.offset, Math.ceil(waitEnd / 64) * 64);
    assert.equal(a.address, region.address + a.offset);
    assert.equal(a.address % 64, 0);
    assert.equal(a.bytes.byteLength, 100);
    // First fit: the 8 bytes go into the alignment gap between the wait area and "a".
    const b = region.slice("b", 8);
    assert.equal(b.offset, waitEnd);
    assert.ok(b.offset + 8 <= a.offset);
    a.bytes.fill(0xaa);
    b.bytes.fill(0xbb);
    assert.equal(region.bytes[a.offset + 99], 0xaa);
    assert.equal(region.bytes[a.offset + 100], 0, "the alignment gap is untouched");
    assert.equal(region.bytes[b.offset], 0xbb);
    assert.equal(region.bytes[b.offset + 8], 0, "nothing written past b");
    assert.equal(region.get("a"), a);
    // A fixed offset, and a later first fit filling the gap before it.
    const c = region.slice("c", 256, 256, 1024);
    assert.equal(c.offset, 1024);
    assert.throws(() => region.slice("w", 64, 8, 1000), /overlaps "c" \[1024, 1280\)/);
    assert.throws(() => region.slice("w", 8, 8, 1272), /overlaps "c"/);
    const e = region.slice("e", 600, 8);
    assert.ok(e.offset + 600 <= 1024, "fits before c");
    const f = region.slice("f", 600, 8);
    assert.ok(f.offset >= 1024 + 256, "does not fit before c: placed after it");
    // Rejected:
    assert.throws(() => region.slice("a", 8), TypeError, "duplicate name");
    assert.throws(() => region.slice("w", 8, 8, 0), /overlaps "jsuring.wait_slots"/);
    assert.throws(() => region.slice("w", 16, 8, region.size - 8), /outside the region/);
    assert.throws(() => region.slice("w", region.size + 1), /no room/);
    assert.throws(() => region.slice("w", 8, 3), RangeError);
    assert.throws(() => region.slice("w", 8, 8, 1028), /not aligned/);
    assert.throws(() => region.slice("w", 0), RangeError);
    assert.throws(() => region.slice("w", 8, 8, -8), RangeError);
    assert.throws(() => region.slice("", 8), TypeError);
    // Filling the rest exactly works, then nothing fits.
    const rest = region.slices.reduce((end, s) => Math.max(end, s.offset + s.size), 0);
    region.slice("tail", region.size - rest, 1, rest);
    assert.throws(() => region.slice("more", 32, 1), /no room/, "larger than every gap left");
    assert.equal(region.slice("gap", 24, 8).offset, waitEnd + 8, "a gap that fits is used");
  },
);

// ------------------------------------------------------------------ errors

test("a second region on the same ring: EBUSY", { skip }, () => {
  using r = createRingWithRegion({ entries: 8, region: { size: 4096 } });
  assert.throws(() => ParamRegion.register(r.ring, { size: 4096 }), uringError("EBUSY"));
  assert.throws(() => ParamRegion.register(r.ring, { memory: "kernel" }), uringError("EBUSY"));
  assert.equal(ParamRegion.of(r.ring), r.region, "the first region stays");
});

test("REG_WAIT_ARG on an enabled ring: EINVAL with the reason", { skip }, () => {
  using never = Ring.create({ entries: 8 });
  assert.throws(() => ParamRegion.register(never, { waitSlots: 2 }), (e: unknown) => {
    assert.ok(e instanceof UringError && e.code === "EINVAL");
    assert.match(e.hint!, /only while the ring is still disabled/);
    return true;
  });
  using enabled = Ring.create({ entries: 8, disabled: true });
  enabled.enable();
  assert.throws(() => ParamRegion.register(enabled, { waitSlots: 2 }), uringError("EINVAL"));
  // A failed registration leaves room for a good one (here: no wait slots).
  assert.equal(ParamRegion.register(enabled, { size: 4096 }).waitSlots, 0);
});

test("slot index out of range or misaligned offset: RangeError before the kernel", { skip }, () => {
  using r = createRingWithRegion({ entries: 8, waitSlots: 4 });
  const waits = new WaitSlots(r.ring);
  assert.throws(() => waits.slot(4), RangeError);
  assert.throws(() => waits.slot(-1), RangeError);
  assert.throws(() => waits.slot(1.5), RangeError);
  assert.throws(() => waits.writeSlot(4, {}), RangeError);
  assert.throws(() => waits.slotAt(4), /multiple of 64/);
  assert.throws(() => waits.slotAt(4 * 64), /past the 4 slots/);
  assert.equal(waits.slotAt(3 * 64).index, 3);
  assert.throws(() => waits.waitAt(-8, 1), RangeError);
  assert.throws(() => waits.wait(-1, { timeout: 1 }), RangeError);
  assert.throws(() => waits.acquire({ timeout: -1 }), RangeError);
  assert.throws(() => waits.acquire({ minWaitUsec: 1.5 }), RangeError);
  assert.throws(() => createRingWithRegion({ waitSlots: -1 }), RangeError);
  assert.throws(() => ParamRegion.register(r.ring, { waitSlots: 4, size: 100 }), /smaller than/);
  assert.throws(() => ParamRegion.register(r.ring, { memory: "disk" as "user" }), TypeError);
});

test("raw path: the kernel's EFAULT for a bad offset is a typed UringError", { skip }, () => {
  using r = createRingWithRegion({ entries: 8, waitSlots: 4 });
  const waits = new WaitSlots(r.ring);
  const size = r.region!.size;
  for (const offset of [4, 60, size, size - 32, 2 ** 40]) {
    assert.throws(() => waits.waitAt(offset, 1), (e: unknown) => {
      assert.ok(e instanceof UringError, String(e));
      assert.equal(e.code, "EFAULT");
      assert.equal(e.errno, Errno.EFAULT);
      assert.equal(e.op, "io_uring_enter2(EXT_ARG_REG)");
      assert.match(e.hint!, /8-byte aligned|outside/);
      return true;
    }, `offset ${offset}`);
  }
  // Any 8-aligned offset whose 64 bytes lie inside the region is accepted,
  // the last one included (6.18 checks end > size).
  waits.writeSlot(0, { timeout: 1 });
  assert.equal(waits.waitAt(0, 1), false);
  assert.equal(waits.waitAt(size - 64, 0), true);
});

test('kernels older than 6.13: "requires Linux 6.13"', () => {
  assert.throws(() => requireRegions([6, 12]), (e: unknown) => {
    assert.ok(e instanceof UringError);
    assert.equal(e.code, "EINVAL");
    assert.match(e.message, /requires Linux 6\.13 \(this is Linux 6\.12\)/);
    return true;
  });
  assert.throws(() => requireRegions([5, 19]), /requires Linux 6\.13/);
  requireRegions([6, 13]);
  requireRegions([7, 0]);
});

test("the EXT_ARG path works on any ring and says why it is in use", () => {
  using ring = Ring.create({ entries: 8 });
  const waits = new WaitSlots(ring);
  assert.equal(waits.path, "ext_arg");
  assert.ok(waits.reason);
  assert.equal(waits.region, undefined);
  ring.nop();
  assert.equal(waits.wait(1, { timeout: 1000 }), true);
  assert.throws(() => waits.waitAt(0, 1), TypeError);
  assert.throws(() => waits.writeSlot(0, {}), TypeError);
});

// ------------------------------------------------------------------ closing

test("the region's memory is freed only after the ring is gone", { skip }, () => {
  for (const memory of ["user", "kernel"] as const) {
    const r = createRingWithRegion({ entries: 8, waitSlots: 2, region: { memory } });
    const region = r.region!;
    const arena = region.arena ?? r.ring.arena;
    region[Symbol.dispose](); // disposing the region alone frees nothing
    assert.equal(region.freed, false);
    if (memory === "user") assert.equal(arena!.freed, false);
    region.slice("still", 8).bytes[0] = 1; // still mapped
    r.ring.nop();
    assert.equal(new WaitSlots(r.ring).wait(1, { timeout: 1000 }), true);
    r[Symbol.dispose]();
    assert.equal(r.ring.fd, -1);
    assert.equal(region.freed, true);
    assert.equal(ParamRegion.of(r.ring), undefined);
    if (memory === "user") assert.equal(arena!.freed, true, "ring and region both released the shared arena");
    assert.throws(() => region.slice("late", 8), TypeError);
  }
});

test(
  "a region in a caller's arena: the arena outlives the ring until the caller disposes it",
  { skip },
  () => {
    const arena = Arena.create({ size: 1 << 20, memory: "pages" });
    const ring = Ring.create({ entries: 8, disabled: true, arena });
    const region = ParamRegion.register(ring, { waitSlots: 2, arena });
    ring.enable();
    assert.equal(region.arena, arena);
    assert.ok(region.address >= arena.address && region.address + region.size <= arena.address + arena.size);
    ring.close();
    assert.equal(region.freed, true);
    assert.equal(arena.freed, false, "the caller still holds the arena");
    arena[Symbol.dispose]();
    assert.equal(arena.freed, true);
  },
);

// ------------------------------------------------------------------ one hugepage

const NR_HUGEPAGES = "/proc/sys/vm/nr_hugepages";
let hugepagesBefore: string | undefined;

/** Reserve hugetlb pages if none are (root only); the test gives them back. */
function reserveHugepages(): string | false {
  if (noRegions) return false; // skipped anyway
  try {
    if (Number(readFileSync(NR_HUGEPAGES, "utf8")) > 0) return false;
    if (!isRoot()) return "no hugepages reserved and not root to reserve some";
    hugepagesBefore = readFileSync(NR_HUGEPAGES, "utf8").trim();
    writeFileSync(NR_HUGEPAGES, "16");
    return Number(readFileSync(NR_HUGEPAGES, "utf8")) > 0 ? false : "could not reserve hugepages";
  } catch (e) {
    return `cannot reserve hugepages: ${(e as Error).message}`;
  }
}

test("region + rings + SQEs share one hugepage: address arithmetic and traffic", {
  skip: skip || skipIf(reserveHugepages()),
}, () => {
  try {
    sharedHugepage();
  } finally {
    if (hugepagesBefore !== undefined) writeFileSync(NR_HUGEPAGES, hugepagesBefore);
  }
});

function sharedHugepage(): void {
  let r;
  try {
    r = createRingWithRegion({ entries: 64, waitSlots: 8, hugepages: "hugetlb", region: { size: 8192 } });
  } catch (e) {
    if (e instanceof UringError && e.code === "ENOMEM") {
      skipIf("every reserved hugepage is in use");
      return;
    }
    throw e;
  }
  using _ = r;
  const { ring, region } = r;
  const arena = ring.arena!;
  assert.equal(ring.memoryKind, "hugetlb");
  assert.equal(region!.memoryKind, "hugetlb");
  assert.equal(region!.arena, arena, "the region is carved from the ring's arena");
  assert.equal(arena.pageSize, 2 << 20);
  assert.equal(arena.size, 2 << 20, "one hugepage");
  assert.equal(arena.address % (2 << 20), 0);
  const page = Math.floor(arena.address / (2 << 20));
  // Rings first, SQEs next, the region after: all inside the one page, disjoint.
  const ringsBytes = Math.ceil(ring.layout.ringsBytes / 4096) * 4096;
  const sqesBytes = Math.ceil(ring.layout.sqesBytes / 4096) * 4096;
  assert.equal(region!.address, arena.address + ringsBytes + sqesBytes);
  assert.equal(Math.floor(region!.address / (2 << 20)), page);
  assert.equal(Math.floor((region!.address + region!.size - 1) / (2 << 20)), page);
  assert.ok(arena.used <= arena.size);
  // Traffic through all three: SQEs, CQEs, and the registered wait slots.
  const waits = new WaitSlots(ring);
  const slot = waits.acquire({ timeout: 5000 });
  const seen = new Uint8Array(20000);
  let issued = 0, reaped = 0;
  while (reaped < seen.length) {
    while (issued < seen.length && ring.sqSpace > 0) ring.nop({ tag: issued++ });
    assert.equal(waits.wait(Math.min(32, ring.inFlight), slot), true);
    reaped += ring.reap((res, _f, tag) => {
      assert.equal(res, 0);
      seen[tag as number]++;
    });
  }
  assert.ok(seen.every((c) => c === 1));
  assert.equal(waits.writes, 1);
  // The parameter space beside them is usable too.
  const p = region!.slice("params", 4096, 4096);
  p.bytes.fill(7);
  assert.equal(arena.bytes[p.address - arena.address], 7);
}
