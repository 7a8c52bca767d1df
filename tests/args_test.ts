/**
 * Bad arguments, table-driven over the public functions and their options
 * (issue 10 "errors that tell the truth", issue 16 items 5–9): each wrong
 * type, NaN, negative, too large value and unknown option key is refused
 * with a TypeError or RangeError whose message quotes the value with its
 * type, before anything is queued; async methods reject, never throw.
 * Then regression tests for the defects that let bad values through.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync } from "node:fs";
import { AsyncRing, Errno, readFile, Ring, setupFlags, stat } from "../mod.ts";
import { show, timespecParts } from "../src/ring/_args.ts";
import { fileWith, pattern, tempDir } from "./_helpers.ts";

type ErrorClass = typeof TypeError | typeof RangeError;
/** [what, call, expected class, text the message must contain]. */
type Case = [string, () => unknown, ErrorClass, string];

/** The bad values every numeric parameter is tried with. */
function badNumbers(max: number, min = 0): [unknown, ErrorClass][] {
  return [
    ["64", TypeError], // a string that looks like a number
    [undefined, TypeError],
    [null, TypeError],
    [NaN, RangeError],
    [1.5, RangeError],
    [min - 2, RangeError],
    [max + 1, RangeError],
  ];
}

/** Cases for parameter `what` of `call`: `call(v)` with each bad value. */
function numberCases(what: string, call: (v: unknown) => unknown, max: number, min = 0): Case[] {
  return badNumbers(max, min).map(([v, cls]) => [`${what} = ${show(v)}`, () => call(v), cls, show(v)]);
}

/** Assert a case: sync throw, or (async) a returned promise that rejects; never both. */
async function check([what, call, cls, text]: Case, async: boolean): Promise<void> {
  let result: unknown;
  try {
    result = call();
  } catch (e) {
    assert.ok(!async, `${what}: threw synchronously (${e}); an async method must reject`);
    assert.ok(e instanceof cls, `${what}: expected ${cls.name}, got ${e}`);
    assert.ok(
      (e as Error).message.includes(text),
      `${what}: message ${JSON.stringify((e as Error).message)} lacks ${text}`,
    );
    return;
  }
  if (!async) assert.fail(`${what}: accepted`);
  assert.ok(result instanceof Promise, `${what}: returned ${show(result)}, not a promise`);
  await assert.rejects(result as Promise<unknown>, (e: unknown) => {
    assert.ok(e instanceof cls, `${what}: expected ${cls.name}, got ${e}`);
    assert.ok(
      (e as Error).message.includes(text),
      `${what}: message ${JSON.stringify((e as Error).message)} lacks ${text}`,
    );
    return true;
  });
}

/**
 * For parameters with a default (`x = 0`, `options.x ?? 0`): undefined, and
 * for options null too, mean "not given", so those two are not bad values.
 */
function given([what]: Case): boolean {
  return !what.endsWith("= undefined") && !what.endsWith("= null");
}

const FD_MAX = 0x7fffffff;
const U32 = 0xffffffff;
const U16 = 0xffff;
const SAFE = Number.MAX_SAFE_INTEGER;

test("show() quotes strings and names every value's type", () => {
  assert.equal(show("64"), '"64" (string)');
  assert.equal(show(64), "64 (number)");
  assert.equal(show(NaN), "NaN (number)");
  assert.equal(show(5n), "5n (bigint)");
  assert.equal(show(undefined), "undefined");
  assert.equal(show(null), "null");
  assert.equal(show(() => 1), "a function");
  assert.equal(show([1, 2]), "an array of length 2");
  assert.equal(show(new Uint8Array(1)), "a Uint8Array (object)");
});

test("Ring.create and setupFlags: every option checked for type, range and name", async () => {
  const cases: Case[] = [
    ...numberCases("entries", (v) => Ring.create({ entries: v as number }), 32768, 1).filter(given),
    ...numberCases("cqEntries", (v) => Ring.create({ entries: 1, cqEntries: v as number }), 65536, 1).filter(
      given,
    ),
    ["unknown key", () => Ring.create({ entrys: 8 } as never), TypeError, '"entrys"'],
    [
      "singleIssuer: string",
      () => Ring.create({ singleIssuer: "yes" as never }),
      TypeError,
      '"yes" (string)',
    ],
    ["memory: unknown", () => Ring.create({ memory: "shared" as never }), TypeError, '"shared" (string)'],
    ["hugepages: unknown", () => Ring.create({ hugepages: "big" as never }), TypeError, '"big" (string)'],
    ["sqpoll.idleMs: -1", () => Ring.create({ sqpoll: { idleMs: -1 } }), RangeError, "-1 (number)"],
    ["sqpoll unknown key", () => Ring.create({ sqpoll: { idle: 5 } as never }), TypeError, '"idle"'],
    ["setupFlags unknown key", () => setupFlags({ bogus: 1 } as never), TypeError, '"bogus"'],
    ["options not an object", () => Ring.create(5 as never), TypeError, "5 (number)"],
  ];
  for (const c of cases) await check(c, false);
});

test('the message for entries: "64" says it is a string', () => {
  assert.throws(
    () => Ring.create({ entries: "64" as never }),
    { name: "TypeError", message: 'entries must be an integer from 1 to 32768, got "64" (string)' },
  );
});

test("Ring operation methods refuse bad fds, offsets, lengths, indexes, timeouts, options", async () => {
  using ring = Ring.create({ entries: 8 });
  const buf = new Uint8Array(8);
  const cases: Case[] = [
    ...numberCases("read fd", (v) => ring.read(v as number, buf, 0), FD_MAX),
    ["read fd + 2**32", () => ring.read(0 + 2 ** 32, buf, 0), RangeError, "4294967296 (number)"],
    ...numberCases("read offset", (v) => ring.read(0, buf, v as number), SAFE, -1).filter(given),
    ["read buffer: array", () => ring.read(0, [1, 2] as never, 0), TypeError, "an array of length 2"],
    ["read buffer: string", () => ring.read(0, "abc" as never, 0), TypeError, '"abc" (string)'],
    ["read options unknown key", () => ring.read(0, buf, 0, { tga: 1 } as never), TypeError, '"tga"'],
    ["read options.flags 256", () => ring.read(0, buf, 0, { flags: 256 }), RangeError, "256 (number)"],
    [
      "read options.flags string",
      () => ring.read(0, buf, 0, { flags: "1" as never }),
      TypeError,
      '"1" (string)',
    ],
    ...numberCases("write fd", (v) => ring.write(v as number, buf, 0), FD_MAX),
    ...numberCases("readv fd", (v) => ring.readv(v as number, [buf], 0), FD_MAX),
    ["readv buffers: not an array", () => ring.readv(0, buf as never, 0), TypeError, "a Uint8Array (object)"],
    ["readv buffers: empty", () => ring.readv(0, [], 0), RangeError, "got 0"],
    ["writev buffers[1]", () => ring.writev(1, [buf, 7 as never], 0), TypeError, "7 (number)"],
    ...numberCases("readFixed index", (v) => ring.readFixed(0, buf, 0, v as number), U16),
    ...numberCases("writeFixed index", (v) => ring.writeFixed(0, buf, 0, v as number), U16),
    ...numberCases("fsync fd", (v) => ring.fsync(v as number), FD_MAX),
    ["fsync how unknown key", () => ring.fsync(0, { dataSync: true } as never), TypeError, '"dataSync"'],
    ["fsync datasync string", () => ring.fsync(0, { datasync: "no" as never }), TypeError, '"no" (string)'],
    ["openat path: number", () => ring.openat(42 as never), TypeError, "42 (number)"],
    ["openat path: bytes without NUL", () => ring.openat(new Uint8Array([65])), TypeError, "NUL"],
    ...numberCases("openat flags", (v) => ring.openat("/x", v as number), U32).filter(given),
    ["openat dirfd -5", () => ring.openat("/x", 0, 0, { dirfd: -5 }), RangeError, "-5 (number)"],
    ["openat unknown key", () => ring.openat("/x", 0, 0, { dir: 3 } as never), TypeError, '"dir"'],
    ...numberCases("closeFd fd", (v) => ring.closeFd(v as number), FD_MAX),
    ["statx mask -1", () => ring.statx("/", new Uint8Array(256), { mask: -1 }), RangeError, "-1 (number)"],
    ["statx out: string", () => ring.statx("/", "x" as never), TypeError, '"x" (string)'],
    ['timeout "10"', () => ring.timeout("10" as never), TypeError, '"10" (string)'],
    ["timeout NaN", () => ring.timeout(NaN), RangeError, "NaN (number)"],
    ["timeout -1", () => ring.timeout(-1), RangeError, "-1 (number)"],
    ["timeout Infinity", () => ring.timeout(Infinity), RangeError, "Infinity (number)"],
    ["timeout sec -1", () => ring.timeout({ sec: -1 }), RangeError, "-1 (number)"],
    ["timeout nsec 1e9", () => ring.timeout({ sec: 0, nsec: 1e9 }), RangeError, "1000000000 (number)"],
    ["timeout sec string", () => ring.timeout({ sec: "1" as never }), TypeError, '"1" (string)'],
    ["timeout unknown field", () => ring.timeout({ sec: 1, ns: 5 } as never), TypeError, '"ns"'],
    ...numberCases("timeout count", (v) => ring.timeout(1, { count: v as number }), U32).filter(given),
    ["linkTimeout -1", () => ring.linkTimeout(-1), RangeError, "-1 (number)"],
    ...numberCases("cancel target", (v) => ring.cancel(v as number), SAFE),
    ...numberCases("submitAndWait", (v) => ring.submitAndWait(v as number), U32).filter(given),
    ...numberCases("waitFor count", (v) => ring.waitFor(v as number, 1), U32),
    ["waitFor timeout", () => ring.waitFor(1, "5" as never), TypeError, '"5" (string)'],
    ['reap("not a fn")', () => ring.reap("not a fn" as never), TypeError, '"not a fn" (string)'],
    ["reap max -1", () => ring.reap(() => {}, -1), RangeError, "-1 (number)"],
    ["completions max NaN", () => ring.completions(NaN), RangeError, "NaN (number)"],
    ["registerFiles: string fd", () => ring.registerFiles(["3" as never]), TypeError, '"3" (string)'],
    ["registerFiles: not an array", () => ring.registerFiles(3 as never), TypeError, "3 (number)"],
    ["registerEventfd -5", () => ring.registerEventfd(-5), RangeError, "-5 (number)"],
    ["close graceMs", () => ring.close("5" as never), TypeError, '"5" (string)'],
  ];
  for (const c of cases) await check(c, false);
  // Nothing was queued by any of them.
  assert.equal(ring.pending, 0);
  assert.equal(ring.inFlight, 0);
});

test("AsyncRing methods reject bad arguments (never a synchronous throw) and queue nothing", async () => {
  await using ring = AsyncRing.create({ entries: 8 });
  const buf = new Uint8Array(8);
  const cases: Case[] = [
    ...numberCases("read fd", (v) => ring.read(v as number, buf, 0), FD_MAX),
    ["read fd + 2**32", () => ring.read(0 + 2 ** 32, buf, 0), RangeError, "4294967296 (number)"],
    ...numberCases("read offset", (v) => ring.read(0, buf, v as number), SAFE, -1).filter(given),
    ["read buffer", () => ring.read(0, "abc" as never, 0), TypeError, '"abc" (string)'],
    ["read unknown option", () => ring.read(0, buf, 0, { timout: 5 } as never), TypeError, '"timout"'],
    ["read timeout -1", () => ring.read(0, buf, 0, { timeout: -1 }), RangeError, "-1 (number)"],
    ['read timeout "10"', () => ring.read(0, buf, 0, { timeout: "10" as never }), TypeError, '"10" (string)'],
    ["read signal", () => ring.read(0, buf, 0, { signal: "x" as never }), TypeError, '"x" (string)'],
    ["read fixedFile", () => ring.read(0, buf, 0, { fixedFile: 1 as never }), TypeError, "1 (number)"],
    ...numberCases("write fd", (v) => ring.write(v as number, buf, 0), FD_MAX),
    ...numberCases("readv fd", (v) => ring.readv(v as number, [buf], 0), FD_MAX),
    ["writev buffers", () => ring.writev(1, "ab" as never), TypeError, '"ab" (string)'],
    ...numberCases("readFixed index", (v) => ring.readFixed(0, buf, 0, v as number), U16),
    ...numberCases("writeFixed index", (v) => ring.writeFixed(0, buf, 0, v as number), U16),
    ...numberCases("send fd", (v) => ring.send(v as number, buf), FD_MAX),
    ...numberCases("send msgFlags", (v) => ring.send(0, buf, v as number), U32).filter(given),
    ...numberCases("recv fd", (v) => ring.recv(v as number, buf), FD_MAX),
    ...numberCases("fsync fd", (v) => ring.fsync(v as number), FD_MAX),
    ["fsync how unknown key", () => ring.fsync(0, { sync: true } as never), TypeError, '"sync"'],
    ["openat path 42", () => ring.openat(42 as never), TypeError, "42 (number)"],
    ['openat dirfd "3"', () => ring.openat("/x", 0, 0, { dirfd: "3" as never }), TypeError, '"3" (string)'],
    ["openat mode -1", () => ring.openat("/x", 0, -1), RangeError, "-1 (number)"],
    ...numberCases("closeFd fd", (v) => ring.closeFd(v as number), FD_MAX),
    ["statx path 42", () => ring.statx(42 as never), TypeError, "42 (number)"],
    ["statx unknown key", () => ring.statx("/", { flags: 1 } as never), TypeError, '"flags"'],
    ["sleep -1", () => ring.sleep(-1), RangeError, "-1 (number)"],
    ["sleep unknown key", () => ring.sleep(1, { timeout: 5 } as never), TypeError, '"timeout"'],
    ["nop timeout -1", () => ring.nop({ timeout: -1 }), RangeError, "-1 (number)"],
    ["nop unknown key", () => ring.nop({ tag: 1 } as never), TypeError, '"tag"'],
    ["op prep not a function", () => ring.op("x", "prep" as never), TypeError, '"prep" (string)'],
    ["chain build", () => ring.chain(5 as never), TypeError, "5 (number)"],
  ];
  for (const c of cases) await check(c, true);
  const sync: Case[] = [
    ["ticks interval -1", () => ring.ticks(-1), RangeError, "-1 (number)"],
    ["ticks count -1", () => ring.ticks(1, { count: -1 }), RangeError, "-1 (number)"],
    ["poll fd -2", () => ring.poll(-2, 1), RangeError, "-2 (number)"],
    ["poll events", () => ring.poll(0, "1" as never), TypeError, '"1" (string)'],
    ["create waker", () => AsyncRing.create({ waker: "fast" as never }), TypeError, '"fast" (string)'],
    ["create unknown key", () => AsyncRing.create({ wakr: "poll" } as never), TypeError, '"wakr"'],
  ];
  for (const c of sync) await check(c, false);
  assert.equal(ring.inFlight, 0);
  assert.equal(ring.ring.pending, 0);
  assert.equal(await ring.nop(), 0);
});

test("fs functions reject a path of the wrong type without leaking internals", async () => {
  for (const call of [() => readFile(42 as never), () => stat(42 as never)]) {
    await assert.rejects(call(), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match((e as Error).message, /path must be a string .*got 42 \(number\)/);
      assert.doesNotMatch((e as Error).message, /is not a function/);
      return true;
    });
  }
});

// ----------------------------------------------------------- regressions

test("issue 16.5: a read with a bad timeout rejects and queues nothing (no IO_LINK onto the next op)", async () => {
  using dir = tempDir();
  const fd = openSync(fileWith(dir.path, "f", pattern(64, 5)), "r");
  await using ring = AsyncRing.create({ entries: 8 });
  const buf = new Uint8Array(64);
  await assert.rejects(ring.read(fd, buf, 0, { timeout: -1 }), RangeError);
  assert.equal(ring.inFlight, 0);
  assert.equal(ring.ring.pending, 0);
  // The next op runs on its own: before the fix it was linked to the
  // rejected read, which also wrote into buf.
  assert.equal(await ring.nop(), 0);
  assert.deepEqual(buf, new Uint8Array(64));
  closeSync(fd);
});

test("issue 16.5: nop({ timeout: -1 }) rejects instead of throwing, and leaves no orphan SQE", async () => {
  await using ring = AsyncRing.create({ entries: 8 });
  let p: Promise<number> | undefined;
  assert.doesNotThrow(() => {
    p = ring.nop({ timeout: -1 });
  });
  await assert.rejects(p!, RangeError);
  assert.equal(ring.ring.pending, 0);
  assert.equal(ring.inFlight, 0);
});

test("issue 16.6: AsyncRing refuses fd + 2**32 as Ring does (no read from fd)", async () => {
  using dir = tempDir();
  const fd = openSync(fileWith(dir.path, "f", pattern(16, 6)), "r");
  await using ring = AsyncRing.create({ entries: 8 });
  const buf = new Uint8Array(16);
  await assert.rejects(ring.read(fd + 2 ** 32, buf, 0), RangeError);
  assert.throws(() => ring.ring.read(fd + 2 ** 32, buf, 0), RangeError);
  assert.deepEqual(buf, new Uint8Array(16));
  closeSync(fd);
});

test("issue 16.7: a buffer of 4 GiB or more is refused, not read as end of file", async () => {
  using dir = tempDir();
  const fd = openSync(fileWith(dir.path, "f", pattern(100, 7)), "r");
  let big: Uint8Array;
  try {
    big = new Uint8Array(2 ** 32); // untouched pages: no memory is committed
  } catch {
    closeSync(fd);
    return; // the runtime cannot allocate 4 GiB typed arrays: nothing to test
  }
  using ring = Ring.create({ entries: 8 });
  assert.throws(() => ring.read(fd, big, 0), { name: "RangeError", message: /4294967296 bytes.*subarray/ });
  assert.throws(() => ring.readv(fd, [big], 0), RangeError);
  await using aring = AsyncRing.create({ entries: 8 });
  await assert.rejects(aring.read(fd, big, 0), RangeError);
  await assert.rejects(aring.readv(fd, [big], 0), RangeError);
  // One byte less fits the u32 length field: the read is issued and reads the file.
  assert.equal(await aring.read(fd, big.subarray(0, 2 ** 32 - 1), 0), 100);
  closeSync(fd);
});

test("issue 16.8: timespecParts never yields 1e9 ns; such a timeout is valid for the kernel", () => {
  assert.deepEqual(timespecParts(999.9999999), [1, 0]);
  assert.deepEqual(timespecParts(1999.99999999), [2, 0]);
  assert.deepEqual(timespecParts(1.5), [0, 1_500_000]);
  for (let ms = 0; ms < 3000; ms += 0.0999999999) {
    const [, nsec] = timespecParts(ms);
    assert.ok(nsec >= 0 && nsec < 1e9, `${ms} ms gave ${nsec} ns`);
  }
  // The kernel accepts it: with count 1 the timeout completes (res 0) once the NOP does;
  // an invalid timespec would complete at once with -EINVAL.
  using ring = Ring.create({ entries: 8 });
  ring.timeout(999.9999999, { tag: "t", count: 1 });
  ring.nop({ tag: "n" });
  ring.submitAndWait(2);
  const out = ring.completions();
  assert.equal(out.find((c) => c.tag === "t")?.res, 0);
  assert.notEqual(out.find((c) => c.tag === "t")?.res, -Errno.EINVAL);
});
