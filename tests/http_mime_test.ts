// The committed MIME table is what scripts/mime_table.ts makes from the
// mime-db version pinned in package.json (regenerate with that script).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fromNodeModules, TABLE_PATH } from "../scripts/mime_table.ts";

test("src/http/_mime_table.ts is current with the mime-db in package.json", () => {
  const pinned =
    JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).devDependencies["mime-db"];
  const [generated, version] = fromNodeModules();
  assert.equal(version, pinned, "node_modules/mime-db is the pinned version (run scripts/setup.sh)");
  assert.equal(
    readFileSync(TABLE_PATH, "utf8"),
    generated,
    "regenerate: deno run -R -W scripts/mime_table.ts",
  );
});
