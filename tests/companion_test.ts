import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { libjsuring } from "../src/runtime/libs.ts";
import { COMPANION_VERSION } from "../ffi/symbols.ts";

const ffiDir = fileURLToPath(new URL("../ffi", import.meta.url));

test("companion library passes its checks under ASan+UBSan", () => {
  // Builds ffi/build/sanitize_test with -fsanitize=address,undefined and runs it.
  const out = execFileSync("make", ["-s", "-C", ffiDir, "sanitize"], { encoding: "utf8" });
  assert.match(out, /sanitize: \d+ checks passed/);
});

test("companion library loaded through FFI reports the version TypeScript expects", () => {
  assert.equal(libjsuring().jsu_version(), COMPANION_VERSION);
});

test("jsu_alloc rejects a zero size and an unknown mode with -EINVAL", () => {
  const out = new BigUint64Array(4);
  assert.equal(libjsuring().jsu_alloc(0, 3, out), -22);
  assert.equal(libjsuring().jsu_alloc(4096, 9, out), -22);
});
