import { test } from "node:test";
import assert from "node:assert/strict";
import { Ring } from "../mod.ts";

test("nop() completes with 0 and returns its tag", () => {
  using ring = Ring.create({ entries: 8 });
  ring.nop({ tag: "t" });
  ring.submitAndWait(1);
  assert.deepEqual(ring.completions(), [{ res: 0, flags: 0, tag: "t" }]);
});

