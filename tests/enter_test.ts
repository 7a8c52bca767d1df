/**
 * The one enter/wait engine (src/ring/_enter.ts): submit, submitAndWait,
 * waitFor and WaitSlots waits all go through it, so each must wake an
 * idle SQPOLL thread, flush overflowed CQEs and end timed waits the same way.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRingWithRegion, Errno, Ring, WaitSlots } from "../mod.ts";
import { setTimeout as sleep } from "node:timers/promises";

function sqpollRing(): Ring | string {
  try {
    // A short idle time: the thread sleeps (SQ_NEED_WAKEUP) between the steps below.
    return Ring.create({ entries: 8, sqpoll: { idleMs: 1 } });
  } catch (e) {
    return `SQPOLL ring unavailable: ${(e as Error).message}`;
  }
}

test("SQPOLL: submitAndWait, waitFor and a WaitSlots wait each wake a sleeping SQ thread", async (t) => {
  const ring = sqpollRing();
  if (typeof ring === "string") return t.skip(ring);
  try {
    for (
      const wait of [
        () => ring.submitAndWait(1),
        () => assert.equal(ring.waitFor(1, 10_000), true), // long: a loaded machine may run the SQ thread late
        () => assert.equal(new WaitSlots(ring, { path: "ext_arg" }).wait(1, { timeout: 10_000 }), true),
      ]
    ) {
      await sleep(20); // let the SQ thread go idle
      ring.nop({ tag: "n" });
      wait();
      assert.deepEqual(ring.completions().map((c) => [c.res, c.tag]), [[0, "n"]]);
    }
  } finally {
    ring.close();
  }
});

test("timed waits end with false when nothing completes, on every path", () => {
  using r = createRingWithRegion({ entries: 8, waitSlots: 2 });
  assert.equal(r.ring.waitFor(1, 5), false);
  assert.equal(new WaitSlots(r.ring).wait(1, { timeout: 5 }), false);
  assert.equal(new WaitSlots(r.ring, { path: "ext_arg" }).wait(1, { timeout: 5 }), false);
  assert.equal(new WaitSlots(r.ring).waitRaw(1, { timeout: 5 }), -Errno.ETIME);
});

test("a submit while CQEs sit in the overflow list flushes them (GETEVENTS added, as liburing's submit)", () => {
  using ring = Ring.create({ entries: 8, cqEntries: 8 });
  const total = 3 * ring.layout.cqEntries;
  for (let i = 0; i < total; i += 8) {
    for (let j = 0; j < 8; j++) ring.nop();
    ring.submit();
  }
  ring.nop();
  ring.submit(); // a plain submit: the engine sees IORING_SQ_CQ_OVERFLOW and asks for events
  let got = 0;
  while (got < total + 1) {
    const n = ring.reap(() => {});
    if (n === 0) ring.submitAndWait(1);
    got += n;
  }
  assert.equal(got, total + 1);
  assert.equal(ring.inFlight, 0);
});

test("an SQE the kernel refuses at submit does not strand the SQEs queued after it", () => {
  for (const wait of ["submitAndWait", "waitFor"] as const) {
    using ring = Ring.create({ entries: 8 });
    ring.nop({ tag: "before" });
    ring.linkTimeout(1000, { tag: "refused" }); // nothing to link to: EINVAL at submit, which stops there
    ring.nop({ tag: "after 1" });
    ring.nop({ tag: "after 2" });
    if (wait === "submitAndWait") ring.submitAndWait(4);
    else assert.equal(ring.waitFor(4, 2000), true);
    const got = new Map(ring.completions().map((c) => [c.tag, c.res]));
    assert.equal(got.get("refused"), -Errno.EINVAL, wait);
    assert.equal(got.get("after 1"), 0, wait);
    assert.equal(got.get("after 2"), 0, wait);
  }
});
