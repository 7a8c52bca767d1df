// Clean degradation on older kernels (issue 15): each fallback and each
// "requires Linux X.Y" refusal, run on this kernel by pretending an older one
// (pretendKernelVersion: the library's feature checks then judge as if that
// kernel ran, while the calls go to the real one), and the real behaviour on
// whatever kernel runs the suite (the VM matrix boots 6.1, 6.12 and 7.3).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Arena,
  AsyncRing,
  createRingWithRegion,
  Errno,
  Feature,
  kernelAtLeast,
  listen,
  prepNop,
  Ring,
  SetupFlag,
  UringError,
  WaitSlots,
} from "../mod.ts";
import { kernelVersion, pretendKernelVersion } from "../src/errors/hints.ts";
import { connect as netConnect, type Socket } from "node:net";

/** Run `fn` with the library judging features as if Linux `version` ran. */
async function asIf<T>(version: string, fn: () => T | Promise<T>): Promise<T> {
  pretendKernelVersion(version);
  try {
    return await fn();
  } finally {
    pretendKernelVersion(undefined);
  }
}

/** A NOP and a timeout go through `ring` and complete with their results. */
function traffic(ring: Ring): void {
  ring.nop({ tag: "nop" });
  ring.timeout(1, { tag: "timeout" });
  ring.submitAndWait(2);
  const got = new Map(ring.completions().map((c) => [c.tag, c.res]));
  assert.equal(got.get("nop"), 0);
  assert.equal(got.get("timeout"), -Errno.ETIME);
}

test("below 6.5 a ring defaults to kernel-mapped memory, below 6.6 to an SQ array; both carry I/O", async () => {
  await asIf("6.4", () => {
    using ring = Ring.create({ entries: 8 });
    assert.equal(ring.memory, "kernel");
    assert.equal(ring.flags & SetupFlag.NO_MMAP, 0);
    assert.equal(ring.flags & SetupFlag.NO_SQARRAY, 0);
    assert.ok(ring.fallback.some((f) => /IORING_SETUP_NO_MMAP/.test(f)), ring.fallback.join("; "));
    assert.ok(ring.fallback.some((f) => /IORING_SETUP_NO_SQARRAY/.test(f)), ring.fallback.join("; "));
    traffic(ring);
  });
  if (!kernelAtLeast("6.5")) return; // the real kernel cannot do the 6.5 step
  await asIf("6.5", () => {
    using ring = Ring.create({ entries: 8 });
    assert.equal(ring.memory, "user");
    assert.equal(ring.flags & SetupFlag.NO_SQARRAY, 0);
    traffic(ring);
  });
});

test('an arena below 6.5 is the typed NO_MMAP error "needs Linux 6.5", not a TypeError', async () => {
  using arena = Arena.create({ size: 1 << 16, memory: "pages" });
  await asIf("6.4", () => {
    for (const options of [{ arena }, { arena, memory: "user" as const }]) {
      assert.throws(() => Ring.create({ entries: 8, ...options }), (e) => {
        assert.ok(e instanceof UringError, String(e));
        assert.equal(e.code, "EINVAL");
        assert.match(
          e.message,
          /io_uring_setup: EINVAL .*IORING_SETUP_NO_MMAP needs Linux 6\.5 \(this is Linux 6\.4\)/,
        );
        return true;
      });
    }
  });
});

test("this kernel: memory and SQ array as its version allows", () => {
  using ring = Ring.create({ entries: 8 });
  assert.equal(ring.memory, kernelAtLeast("6.5") ? "user" : "kernel");
  assert.equal((ring.flags & SetupFlag.NO_SQARRAY) !== 0, kernelAtLeast("6.6"));
  traffic(ring);
});

test('ticks() below 6.4 rejects with a typed "requires Linux 6.4" error, never a tick of -EINVAL', async () => {
  await using ring = AsyncRing.create();
  const it = await asIf("6.3", () => ring.ticks(1, { count: 2 }));
  await assert.rejects(
    async () => {
      for await (const _ of it) assert.fail("no tick below 6.4");
    },
    (e) => {
      assert.ok(e instanceof UringError, String(e));
      assert.equal(e.code, "EINVAL");
      assert.match(e.message, /IORING_TIMEOUT_MULTISHOT\) requires Linux 6\.4 \(this is Linux 6\.3\)/);
      return true;
    },
  );
  assert.equal(await ring.nop(), 0, "the ring still works");
});

test("this kernel: ticks() ticks (6.4+) or rejects by name", async () => {
  await using ring = AsyncRing.create();
  const results: number[] = [];
  try {
    for await (const { res } of ring.ticks(1, { count: 2 })) results.push(res);
    assert.ok(kernelAtLeast("6.4"));
    assert.deepEqual(results, [-Errno.ETIME, -Errno.ETIME]);
  } catch (e) {
    assert.ok(!kernelAtLeast("6.4"), String(e));
    assert.ok(e instanceof UringError && /requires Linux 6\.4/.test(e.message), String(e));
    assert.deepEqual(results, []);
  }
});

test("minWaitUsec without IORING_FEAT_MIN_TIMEOUT: a typed refusal naming 6.12, not EINVAL on every wait", () => {
  using ring = Ring.create({ entries: 8 });
  const waits = new WaitSlots(ring, { path: "ext_arg" });
  if (ring.features & Feature.MIN_TIMEOUT) {
    // What the refusal stands in for: the field is honoured here.
    assert.equal(waits.waitRaw(1, { timeout: 5, minWaitUsec: 1_000 }), -Errno.ETIME);
    return;
  }
  assert.throws(() => waits.waitRaw(1, { timeout: 5, minWaitUsec: 1_000 }), (e) => {
    assert.ok(e instanceof UringError, String(e));
    assert.match(
      e.message,
      /min-wait \(IORING_FEAT_MIN_TIMEOUT\) requires Linux 6\.12 \(this is Linux \d+\.\d+\)/,
    );
    return true;
  });
  // The same waits without it work, again and again (the EXT_ARG path).
  for (let i = 0; i < 3; i++) assert.equal(waits.waitRaw(1, { timeout: 2 }), -Errno.ETIME);
});

test("submitAndWait(n) does not count completions reap() hides (internal operations)", () => {
  using ring = Ring.create({ entries: 8 });
  // An internal NOP completes at once, the caller's timeout 20 ms later: the
  // wait must last until the caller's completion is there.
  const at = ring.getSqe();
  prepNop(ring.sqes, at);
  let internal = 0;
  ring.trackInternal(at, () => internal++);
  ring.timeout(20, { tag: "mine" });
  ring.submitAndWait(1);
  assert.deepEqual(ring.completions().map((c) => c.tag), ["mine"]);
  assert.equal(internal, 1);
  // With nothing of the caller's in flight, an internal completion still ends the wait.
  const at2 = ring.getSqe();
  prepNop(ring.sqes, at2);
  ring.trackInternal(at2, () => internal++);
  ring.submitAndWait(1);
  assert.deepEqual(ring.completions(), []);
  assert.equal(internal, 2);
});

test("pretendKernelVersion checks its argument and goes back to the real version", () => {
  const real = kernelVersion();
  assert.throws(() => pretendKernelVersion("6"), TypeError);
  pretendKernelVersion("6.1");
  assert.deepEqual(kernelVersion(), [6, 1]);
  pretendKernelVersion(undefined);
  assert.deepEqual(kernelVersion(), real);
});

test("registered waits below 6.13 fall back to EXT_ARG waits, saying why; the waits work", async (t) => {
  // Pretending 6.12 on an older kernel would ask it for NO_MMAP and more it lacks.
  if (!kernelAtLeast("6.13")) return t.skip("requires Linux 6.13 to pretend 6.12: param regions");
  await asIf("6.12", () => {
    using r = createRingWithRegion({ entries: 8, waitSlots: 4 });
    assert.equal(r.region, undefined);
    assert.match(r.fallback ?? "", /requires Linux 6\.13 \(this is Linux 6\.12\): waits use EXT_ARG/);
    const waits = new WaitSlots(r.ring);
    assert.equal(waits.path, "ext_arg");
    assert.match(waits.reason ?? "", /requires Linux 6\.13 \(this is Linux 6\.12\)/);
    for (let i = 0; i < 3; i++) assert.equal(waits.waitRaw(1, { timeout: 2 }), -Errno.ETIME);
    r.ring.nop({ tag: 1 });
    assert.equal(waits.wait(1, { timeout: 5_000 }), true);
    assert.deepEqual(r.ring.completions().map((c) => c.tag), [1]);
  });
});

test("DEFER_TASKRUN AsyncRings set TASKRUN_FLAG; below 6.18 they also look at IORING_SQ_TASKRUN on a timer: a multishot accept takes every client", async () => {
  // On Debian 13's 6.12 the registered eventfd missed the task work of a
  // multishot accept's second connection (IORING_SQ_TASKRUN set, no signal):
  // the library then finds it by the flag. On 6.18+ as if 6.12 ran (on
  // older kernels the check is on anyway, and pretending a newer one would
  // ask them for ring features they lack).
  const create = () => AsyncRing.create({ singleIssuer: true, deferTaskrun: true });
  const ring = kernelAtLeast("6.18") ? await asIf("6.12", create) : create();
  await using _ring = ring;
  assert.notEqual(ring.ring.flags & SetupFlag.TASKRUN_FLAG, 0);
  await using server = await listen({ ring });
  const connectOne = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = netConnect(server.port, "127.0.0.1", () => resolve(s));
      s.on("error", reject);
    });
  const clients: Socket[] = [];
  let accepted = 0;
  // One client at a time, each accepted before the next connects: every
  // accept after the first comes from re-armed kernel task work.
  clients.push(await connectOne());
  for await (const conn of server) {
    await conn.close();
    if (++accepted === 4) break;
    clients.push(await connectOne());
  }
  assert.equal(accepted, 4);
  for (const c of clients) c.destroy();
});
