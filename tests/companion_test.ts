import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { libjsuring } from "../src/runtime/libs.ts";
import { COMPANION_VERSION } from "../ffi/symbols.ts";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Buffer } from "node:buffer";
import * as x86_64 from "../src/runtime/_companion_x86_64.ts";
import * as aarch64 from "../src/runtime/_companion_aarch64.ts";

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

// A child of the runtime running this test (deno or bun), with its own flags.
function child(script: string, denoFlags: string[], env: Record<string, string | undefined>) {
  const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
  const dir = mkdtempSync(join(tmpdir(), "jsuring-companion-"));
  const file = join(dir, "main.ts");
  writeFileSync(file, script.replaceAll("LIBS", new URL("../src/runtime/libs.ts", import.meta.url).href));
  const clean = { ...process.env };
  delete clean.JSURING_COMPANION;
  delete clean.JSURING_LIBURING;
  try {
    return spawnSync(process.execPath, isBun ? [file] : ["run", ...denoFlags, file], {
      env: { ...clean, NO_COLOR: "1", ...env },
      encoding: "utf8",
      // Only there to turn a hang into a failure: a child runtime needs ~20 s
      // (more on a loaded host) to start in the TCG guests of the VM matrix.
      timeout: 110_000,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the bundled companion library loads from a memfd with no file access", () => {
  const r = child(
    `import { libjsuring, companionSource } from "LIBS";
     console.log(libjsuring().jsu_version(), companionSource());`,
    ["--allow-ffi"],
    {},
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${COMPANION_VERSION} bundled with jsuring \\((x86_64|aarch64), loaded from a memfd\\)`));
});

for (const [arch, mod, machine] of [["x86_64", x86_64, 62], ["aarch64", aarch64, 183]] as const) {
  test(`the bundled ${arch} companion library is an ${arch} ELF that needs only libc and matches its sha256`, () => {
    const bytes = Buffer.from(mod.BASE64.replace(/\s+/g, ""), "base64");
    assert.equal(createHash("sha256").update(bytes).digest("hex"), mod.SHA256);
    assert.equal(bytes.subarray(0, 4).toString("latin1"), "\x7fELF");
    assert.equal(bytes.readUInt16LE(18), machine, "e_machine");
    // DT_NEEDED names are in the dynamic string table: only libc.so.6 may be there.
    const text = bytes.toString("latin1");
    assert.ok(text.includes("libc.so.6\0"));
    for (const lib of ["liburing", "libdl.so", "libpthread.so", "libgcc_s", "libstdc++"]) assert.ok(!text.includes(lib), lib);
  });
}

test("JSURING_COMPANION that cannot be loaded is reported from JSURING_COMPANION, the loader's words once", () => {
  const r = child(
    `import { libjsuring } from "LIBS";
     try { libjsuring(); } catch (e) { console.log(e.name + ": " + e.message); }`,
    ["--allow-ffi", "--allow-env"],
    { JSURING_COMPANION: "/nonexistent/libjsuring.so" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^NativeUnavailableError: cannot load the jsuring companion library from JSURING_COMPANION=\/nonexistent\/libjsuring\.so: cannot open shared object file/,
  );
  assert.doesNotMatch(r.stdout, /Could not open library|Failed to open library/);
  assert.equal(r.stdout.split("/nonexistent/libjsuring.so").length, 2, "the path once");
});

test("JSURING_COMPANION set but unreadable (Deno without --allow-env) is an error, not ignored", (t) => {
  if (typeof (globalThis as { Bun?: unknown }).Bun !== "undefined") {
    t.skip("Bun always reads the environment");
    return;
  }
  const r = child(
    `import { libjsuring } from "LIBS";
     try { libjsuring(); console.log("loaded"); } catch (e) { console.log(e.name + ": " + e.message); }`,
    ["--allow-ffi"],
    { JSURING_COMPANION: "/somewhere/libjsuring.so" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^NativeUnavailableError: JSURING_COMPANION is set, but Deno may not read it: run Deno with --allow-env=JSURING_COMPANION/,
  );
});

test("Deno without --allow-ffi: a NativeUnavailableError that names the flag", (t) => {
  if (typeof (globalThis as { Bun?: unknown }).Bun !== "undefined") {
    t.skip("Bun has no permission flags");
    return;
  }
  const r = child(
    `import { libjsuring } from "LIBS";
     try { libjsuring(); console.log("loaded"); } catch (e) { console.log(e.name + ": " + e.message); }`,
    // A child of the same deno binary with no permission flag at all inherits
    // the parent's (-A) permissions: name one that grants nothing relevant.
    ["--no-prompt", "--allow-read=/nonexistent"],
    {},
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^NativeUnavailableError: jsuring needs FFI: run Deno with --allow-ffi/);
});
