/**
 * The layered public surface (deno.json exports): every subpath entry is a
 * focused view of the package root: each of its exports is the root's own
 * binding (same object), so code may import either way.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as root from "../mod.ts";
import * as ops from "../src/ops/mod.ts";
import * as region from "../src/region/mod.ts";
import * as buffers from "../src/buffers/mod.ts";
import * as kmod from "../src/cmd/mod.ts";

const ENTRIES = { "./ops": ops, "./region": region, "./buffers": buffers, "./kmod": kmod };

for (const [name, entry] of Object.entries(ENTRIES)) {
  test(`${name}: every export is the package root's own`, () => {
    const keys = Object.keys(entry);
    assert.ok(keys.length > 0, `${name} exports nothing`);
    for (const key of keys) {
      assert.ok(key in root, `${name} exports ${key}, the root does not`);
      assert.equal((root as Record<string, unknown>)[key], (entry as Record<string, unknown>)[key], key);
    }
  });
}

test("deno.json lists exactly these subpaths (and ./serve) with matching import-map entries", async () => {
  const { readFileSync } = await import("node:fs");
  const config = JSON.parse(readFileSync(new URL("../deno.json", import.meta.url), "utf8"));
  assert.deepEqual(Object.keys(config.exports).sort(), [
    ".",
    "./buffers",
    "./kmod",
    "./ops",
    "./region",
    "./serve",
  ]);
  for (const [sub, file] of Object.entries(config.exports)) {
    const spec = sub === "." ? "@jsuring/jsuring" : `@jsuring/jsuring/${sub.slice(2)}`;
    assert.equal(config.imports[spec], file, spec);
  }
});
