/**
 * Pins src/abi/ against a current kernel uapi `linux/io_uring.h` (Debian's
 * linux-libc-dev 7.3, fetched by scripts/uapi.sh): a C program generated from
 * the TypeScript tables themselves (CONSTANT_GROUPS, STRUCTS), so nothing is
 * listed twice, prints every constant, struct size, field offset and field
 * size, and each is compared with the table. A name the header lacks fails
 * the compile; the test then names it (and still checks everything else).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CONSTANT_GROUPS, LINUX_CONSTANT_GROUPS, STRUCTS } from "../src/abi/mod.ts";
import type { Struct } from "../src/abi/layout.ts";
import { buildC, hasGcc, parseLines, runExe, runScript } from "./_cbuild.ts";
import { skipIf } from "./_helpers.ts";

/** One value the C program prints: its key, the C expression, what jsuring says. */
interface Item {
  readonly key: string;
  /** The C symbol or expression, for messages. */
  readonly what: string;
  readonly expr: string;
  readonly expected: number;
}

function constantItems(prefix: string, table: Readonly<Record<string, number>>): Item[] {
  return Object.entries(table).map(([k, v]) => {
    const sym = prefix + k;
    return { key: sym, what: sym, expr: sym, expected: v };
  });
}

function structItems(s: Struct): Item[] {
  const t = `struct ${s.cName}`;
  const items: Item[] = [
    { key: `sizeof:${s.cName}`, what: `sizeof(${t})`, expr: `sizeof(${t})`, expected: s.size },
  ];
  for (const [field, [offset, size]] of Object.entries(s.fields)) {
    items.push({
      key: `offsetof:${s.cName}.${field}`,
      what: `offsetof(${t}, ${field})`,
      expr: `offsetof(${t}, ${field})`,
      expected: offset,
    });
    // Size 0 marks a flexible array member: sizeof would not compile.
    if (size > 0) {
      const member = `((${t} *)0)->${field}`;
      items.push({
        key: `sizeof:${s.cName}.${field}`,
        what: `sizeof(${member})`,
        expr: `sizeof(${member})`,
        expected: size,
      });
    }
  }
  return items;
}

/** The groups, one test each: the constant tables, then the structs. */
const GROUPS: ReadonlyArray<{ name: string; items: Item[] }> = [
  ...CONSTANT_GROUPS.map(([prefix, table]) => ({
    name: prefix ? `${prefix}* constants` : "other constants (full C names)",
    items: constantItems(prefix, table),
  })),
  ...LINUX_CONSTANT_GROUPS.map(([prefix, table]) => ({
    name: prefix ? `Linux ${prefix}* constants` : "other Linux constants (full C names)",
    items: constantItems(prefix, table),
  })),
  ...STRUCTS.map((s) => ({ name: `struct ${s.cName} size, field offsets and sizes`, items: structItems(s) })),
];

// glibc's headers for the Linux constants and socket structs (x86-64 values
// as user space sees them), the fetched kernel uapi for io_uring. <sys/uio.h>
// rather than <linux/uio.h>: both define struct iovec, identically.
const HEADER = `#define _GNU_SOURCE
#include <stdio.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/mman.h>
#include <sys/xattr.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/io_uring.h>
#include <linux/stat.h>
#include <linux/openat2.h>
#include <linux/memfd.h>
#include <linux/time_types.h>
#define P(key, value) printf("%s %lld\\n", key, (long long)(value))
int main(void)
{
`;

/** The generated program, with `skip` lines left out; `lineOf` maps an item key to its line. */
function generate(skip: ReadonlySet<number>): { source: string; lineOf: Map<string, number> } {
  const lines = HEADER.split("\n").slice(0, -1);
  const lineOf = new Map<string, number>();
  for (const group of GROUPS) {
    for (const item of group.items) {
      const n = lines.length + 1;
      lineOf.set(item.key, n);
      const stmt = `\tP(${JSON.stringify(item.key)}, ${item.expr});`;
      lines.push(skip.has(n) ? `\t/* does not compile: ${item.what} */` : stmt);
    }
  }
  lines.push("\treturn 0;", "}", "");
  return { source: lines.join("\n"), lineOf };
}

/** gcc's error messages per line of the generated source. */
function errorsByLine(stderr: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const m of stderr.matchAll(/\.c:(\d+):\d+: error: (.*)/g)) {
    const n = Number(m[1]);
    out.set(n, [...(out.get(n) ?? []), m[2]]);
  }
  return out;
}

interface Outcome {
  /** Printed values by key. */
  readonly values: Map<string, string>;
  /** Compile errors per item key (names the header lacks). */
  readonly errors: Map<string, string[]>;
  /** Set when the program could not be built or run at all. */
  readonly fatal?: string;
  /** Where the header came from. */
  readonly header: string;
}

function skipReason(): string | false {
  if (!hasGcc()) return "gcc not found (scripts/setup.sh installs it)";
  const r = runScript(fileURLToPath(new URL("../scripts/uapi.sh", import.meta.url)), ["--cflags"]);
  if (!r.ok) return `no kernel uapi headers: ${r.reason}`;
  cflags = r.line.split(/\s+/).filter(Boolean);
  return false;
}

let cflags: string[] = [];
const skip = skipIf(skipReason());
let outcome: Outcome | undefined;

function run(): Outcome {
  if (outcome) return outcome;
  const inc = cflags[0].replace(/^-I/, "");
  const headerFile = join(inc, "linux", "io_uring.h");
  const completeFile = join(inc, "..", "..", ".complete");
  const header = existsSync(completeFile) ? readFileSync(completeFile, "utf8").trim() : headerFile;
  const deps = [headerFile];
  let gen = generate(new Set());
  let built = buildC("abi", gen.source, { cflags, deps });
  const errors = new Map<string, string[]>();
  if (!built.ok) {
    // Leave out the lines that do not compile, name them, and check the rest.
    const byLine = errorsByLine(built.stderr);
    for (const [key, n] of gen.lineOf) {
      const e = byLine.get(n);
      if (e) errors.set(key, e);
    }
    if (byLine.size === 0 || errors.size === 0) {
      return outcome = { values: new Map(), errors, fatal: `gcc failed:\n${built.stderr}`, header };
    }
    gen = generate(new Set(byLine.keys()));
    built = buildC("abi", gen.source, { cflags, deps });
    if (!built.ok) {
      return outcome = { values: new Map(), errors, fatal: `gcc failed:\n${built.stderr}`, header };
    }
  }
  const values = parseLines(runExe(built.exe));
  return outcome = { values, errors, header };
}

for (const group of GROUPS) {
  test(`${group.name} match the kernel uapi header`, { skip }, () => {
    const { values, errors, fatal, header } = run();
    if (fatal) assert.fail(fatal);
    const problems: string[] = [];
    let checked = 0;
    for (const item of group.items) {
      const err = errors.get(item.key);
      if (err) {
        problems.push(`${item.what}: not in ${header}: ${err.join("; ")}`);
        continue;
      }
      const got = values.get(item.key);
      if (got === undefined) {
        problems.push(`${item.what}: not printed by the C program`);
        continue;
      }
      checked++;
      if (Number(got) !== item.expected) {
        problems.push(`${item.what}: kernel header says ${got}, src/abi says ${item.expected}`);
      }
    }
    if (problems.length) assert.fail(`${group.name} (${header}):\n  ${problems.join("\n  ")}`);
    assert.equal(checked, group.items.length);
  });
}

test("the ABI tables have no duplicate C names", () => {
  const seen = new Set<string>();
  for (const group of GROUPS) {
    for (const item of group.items) {
      assert.ok(!seen.has(item.key), `${item.what} is listed twice`);
      seen.add(item.key);
    }
  }
});
