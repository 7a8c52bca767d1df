/**
 * The one u64 splitter (src/memory/u64.ts) and the one detached-buffer check
 * (src/memory/detached.ts), against BigInt and real transferred buffers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { getU64, putU64, readU64, setU64 } from "../src/memory/u64.ts";
import { isDetached } from "../src/memory/detached.ts";

const VALUES = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 0x1122334455, Number.MAX_SAFE_INTEGER];

test("putU64/getU64 and setU64/readU64 round-trip and agree with BigInt little-endian", () => {
  for (const v of VALUES) {
    const u32 = new Uint32Array([0xaaaaaaaa, 0, 0, 0xaaaaaaaa]);
    putU64(u32, 1, v);
    const dv = new DataView(u32.buffer);
    assert.equal(dv.getBigUint64(4, true), BigInt(v), `putU64(${v})`);
    assert.equal(getU64(u32, 1), v);
    assert.equal(u32[0], 0xaaaaaaaa);
    assert.equal(u32[3], 0xaaaaaaaa);
    const other = new DataView(new ArrayBuffer(16));
    setU64(other, 3, v);
    assert.equal(other.getBigUint64(3, true), BigInt(v), `setU64(${v})`);
    assert.equal(readU64(other, 3), v);
  }
  const u32 = new Uint32Array(2);
  putU64(u32, 0, -1);
  assert.deepEqual([...u32], [0xffffffff, 0xffffffff]);
  const dv = new DataView(new ArrayBuffer(8));
  setU64(dv, 0, -1);
  assert.equal(dv.getBigUint64(0, true), 2n ** 64n - 1n);
});

test("isDetached: false for live views, buffers and lists; true once the buffer is transferred", () => {
  const live = new Uint8Array(16), empty = new Uint8Array(0);
  assert.equal(isDetached(live), false);
  assert.equal(isDetached(empty), false, "an empty view is not a detached one");
  assert.equal(isDetached(live.buffer), false);
  assert.equal(isDetached([live, empty]), false);
  const gone = new Uint8Array(16);
  const view = new DataView(gone.buffer, 4, 8);
  structuredClone(gone.buffer, { transfer: [gone.buffer] });
  assert.equal(isDetached(gone), true);
  assert.equal(isDetached(view), true);
  assert.equal(isDetached(gone.buffer), true);
  assert.equal(isDetached([live, gone]), true);
});

test("a detached DataView is refused by name, not with the engine's byteLength TypeError", async () => {
  const { AsyncRing } = await import("../src/async/async_ring.ts");
  await using ring = AsyncRing.create();
  const b = new ArrayBuffer(16);
  const view = new DataView(b);
  structuredClone(b, { transfer: [b] });
  await assert.rejects(ring.read(0, view, 0), /buffer is detached \(transferred\)/);
});
