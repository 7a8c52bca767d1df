import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { release } from "node:os";
import process from "node:process";
import {
  Arena,
  Errno,
  errnoMessage,
  errnoName,
  hugepageHint,
  kernelAtLeast,
  kernelRelease,
  kernelVersion,
  memlockLimit,
  Ring,
  SetupFlag,
  UringError,
} from "../mod.ts";
import { setupHint } from "../src/errors/hints.ts";
import { liburing } from "../src/runtime/libs.ts";
import { io_uring_params } from "../src/abi/layout.ts";
import { fileWith, isRoot, needsKernel, skipIf, tempDir } from "./_helpers.ts";

const DISABLED = "/proc/sys/kernel/io_uring_disabled";

test("io_uring disabled by sysctl: a typed EPERM naming kernel.io_uring_disabled", {
  skip: skipIf(
    needsKernel("6.6", "the kernel.io_uring_disabled sysctl") ||
      !isRoot() && "changing kernel.io_uring_disabled needs root",
  ),
}, () => {
  // Runs alone: test files run one at a time and tests within a file in order.
  const saved = readFileSync(DISABLED, "utf8").trim();
  try {
    writeFileSync(DISABLED, "2");
    assert.throws(() => Ring.create({ entries: 4 }), (e: unknown) => {
      assert.ok(e instanceof UringError);
      assert.equal(e.code, "EPERM");
      assert.equal(e.op, "io_uring_setup");
      assert.match(e.hint ?? "", /kernel\.io_uring_disabled=2/);
      return true;
    });
  } finally {
    writeFileSync(DISABLED, saved);
  }
  assert.equal(readFileSync(DISABLED, "utf8").trim(), saved, "sysctl restored");
  using ring = Ring.create({ entries: 4 });
  assert.ok(ring.fd >= 0);
});

test("an unknown setup flag from the kernel: EINVAL with a hint naming the bits", () => {
  const params = new Uint32Array(io_uring_params.size / 4);
  params[2] = 1 << 30; // no such IORING_SETUP_ flag
  const ret = liburing().io_uring_setup(4, params);
  assert.equal(ret, -Errno.EINVAL);
  const e = new UringError(-ret, "io_uring_setup", setupHint(-ret, 1 << 30));
  assert.match(e.message, /io_uring_setup: EINVAL .*0x40000000/);
});

test("setupHint() names a flag too new for the running kernel and its version", () => {
  const hint = setupHint(Errno.EINVAL, SetupFlag.NO_MMAP | SetupFlag.SINGLE_ISSUER, [6, 1]);
  assert.match(hint ?? "", /IORING_SETUP_NO_MMAP needs Linux 6\.5 \(this is Linux 6\.1\): memory: "user" asks for it; pass memory: "kernel"/);
  assert.match(hint ?? "", /this is Linux 6\.1/);
  assert.doesNotMatch(hint ?? "", /SINGLE_ISSUER/);
});

test("setupHint() explains ENOMEM by RLIMIT_MEMLOCK, ENOSYS and EPERM by their causes", () => {
  assert.match(setupHint(Errno.ENOMEM, 0) ?? "", /RLIMIT_MEMLOCK/);
  assert.match(setupHint(Errno.ENOSYS, 0) ?? "", /CONFIG_IO_URING|seccomp/);
  // The sysctl is 6.6+; without it (or at 0) EPERM means seccomp or an LSM.
  if (!existsSync(DISABLED) || readFileSync(DISABLED, "utf8").trim() === "0") {
    assert.match(setupHint(Errno.EPERM, 0) ?? "", /seccomp/);
  }
});

test("hugetlb memory when none is reserved: ENOMEM with a hint to reserve hugepages", {
  skip: skipIf(!isRoot() && "changing vm.nr_hugepages needs root"),
}, () => {
  const path = "/proc/sys/vm/nr_hugepages";
  const saved = readFileSync(path, "utf8").trim();
  try {
    writeFileSync(path, "0");
    assert.throws(() => Arena.create({ memory: "hugetlb" }), (e: unknown) => {
      assert.ok(e instanceof UringError);
      assert.equal(e.code, "ENOMEM");
      assert.match(e.hint ?? "", /nr_hugepages/);
      return true;
    });
    // "auto" still works, and says what it got instead (rings in user memory: 6.5+).
    if (kernelAtLeast("6.5")) {
      using ring = Ring.create({ entries: 8, memory: "user" });
      assert.notEqual(ring.memoryKind, "hugetlb");
    }
    using arena = Arena.create({ size: 1 << 16, memory: "auto" });
    assert.notEqual(arena.kind, "hugetlb");
  } finally {
    writeFileSync(path, saved);
  }
});

test("bad arguments are RangeError/TypeError before any kernel call", () => {
  assert.throws(() => Ring.create({ entries: 0 }), RangeError);
  assert.throws(() => Ring.create({ entries: 40000 }), RangeError);
  assert.throws(() => Ring.create({ entries: 8, cqEntries: 4 }), RangeError);
  assert.throws(() => Ring.create({ deferTaskrun: true }), TypeError);
  assert.throws(() => Ring.create({ sqpoll: true, coopTaskrun: true }), TypeError);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => Ring.create({ memory: "shared" as any }), TypeError);
  assert.throws(() => Ring.create({ memory: "kernel", arena: {} as Arena }), TypeError);
  assert.throws(() => Arena.create({ size: -1 }), RangeError);
  using ring = Ring.create({ entries: 8 });
  // deno-lint-ignore no-explicit-any
  assert.throws(() => ring.read(0, [1, 2, 3] as any, 0), TypeError);
  assert.throws(() => ring.read(0, new Uint8Array(4), -2), RangeError);
  assert.throws(() => ring.read(1.5, new Uint8Array(4), 0), RangeError);
  assert.throws(() => ring.readv(0, [], 0), RangeError);
  assert.throws(() => ring.timeout(-1), RangeError);
  assert.throws(() => ring.timeout({ sec: 1, nsec: 2e9 }), RangeError);
  assert.throws(() => ring.openat("a\0b"), TypeError);
  assert.throws(() => ring.statx("/", new Uint8Array(10)), RangeError);
  assert.throws(() => ring.readFixed(0, new Uint8Array(4), 0, 70000), RangeError);
  assert.throws(() => ring.cancel(-3), RangeError);
  assert.equal(ring.pending, 0, "nothing reached the SQ");
});

test("kernel errors on the ring are UringErrors with the errno name and operation", () => {
  using ring = Ring.create({ entries: 8 });
  assert.throws(() => ring.registerFiles([123456]), (e: unknown) => {
    assert.ok(e instanceof UringError);
    assert.equal(e.code, "EBADF");
    assert.equal(e.errno, Errno.EBADF);
    assert.equal(e.op, "io_uring_register(FILES)");
    return true;
  });
  assert.equal(errnoName(-125), "ECANCELED");
  assert.equal(errnoName(4095), "E4095");
});

test("every errno has words, as strerror says them", () => {
  for (let n = 1; n <= 133; n++) {
    if (n === 41 || n === 58) continue; // unassigned on Linux
    assert.doesNotMatch(errnoMessage(n), /^(unknown )?error \d+$/, `errno ${n} (${errnoName(n)})`);
    assert.match(errnoName(n), /^E[A-Z0-9]+$/);
  }
  assert.equal(errnoMessage(Errno.EISDIR), "is a directory");
  assert.equal(errnoMessage(-Errno.EADDRINUSE), "address already in use");
  assert.equal(new UringError(-21, "read").message, "read: EISDIR (is a directory)");
});

test("the kernel version comes from uname(2), the same release the OS reports", () => {
  assert.equal(kernelRelease(), release());
  const [major, minor] = kernelVersion();
  assert.ok(release().startsWith(`${major}.${minor}`));
});

test("memlockLimit() reads RLIMIT_MEMLOCK as /proc/self/limits shows it", () => {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max locked memory"))!;
  const [, soft, hard] = line.split(/\s{2,}/);
  const n = (v: string) => v === "unlimited" ? Infinity : Number(v);
  assert.deepEqual(memlockLimit(), { soft: n(soft), hard: n(hard) });
});

test("ENOMEM from a registration over RLIMIT_MEMLOCK states the bytes needed and the limit", {
  skip: skipIf(
    !isRoot() && "dropping CAP_IPC_LOCK for a child with setpriv needs root" ||
      spawnSync("setpriv", ["--version"]).status !== 0 && "needs setpriv and prlimit (util-linux)",
  ),
}, () => {
  // A child without CAP_IPC_LOCK and a 64 KiB limit registers 1 MiB.
  const script = `
    import { FixedBuffers, Ring } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
    using ring = Ring.create({ entries: 8 });
    const buf = new Uint8Array(1 << 20);
    try { FixedBuffers.register(ring, [buf]); console.log("registered"); }
    catch (e) { console.log(e.name + " " + e.code + " " + e.hint); }`;
  using dir = tempDir();
  const file = fileWith(dir.path, "memlock.ts", new TextEncoder().encode(script));
  const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
  const r = spawnSync("prlimit", [
    "--memlock=65536:65536",
    "setpriv",
    "--bounding-set",
    "-ipc_lock",
    "--inh-caps",
    "-ipc_lock",
    "--",
    process.execPath,
    ...(isBun ? [file] : ["run", "-A", file]),
  ], { encoding: "utf8", timeout: 30_000, env: { ...process.env, NO_COLOR: "1" } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^UringError ENOMEM .*RLIMIT_MEMLOCK/);
  assert.match(r.stdout, /this needs 10(48576|52672) bytes \(1 MiB\) of locked memory, the limit is 65536 bytes \(64 KiB\)/);
  assert.match(r.stdout, /ulimit -l/);
});

test("hugetlb hints name the knob of the object the caller holds", () => {
  assert.match(hugepageHint("hugepages"), /pass hugepages: "auto"/);
  assert.doesNotMatch(hugepageHint("hugepages"), /memory:/);
  assert.match(hugepageHint("memory"), /pass memory: "auto"/);
});

test("Ring.create({ hugepages: \"hugetlb\" }) without hugepages: the hint says hugepages:, and auto says why in fallback", {
  // Rings on hugepages are rings in user memory (NO_MMAP).
  skip: skipIf(
    needsKernel("6.5", "IORING_SETUP_NO_MMAP (rings in user memory)") ||
      !isRoot() && "changing vm.nr_hugepages needs root",
  ),
}, () => {
  const path = "/proc/sys/vm/nr_hugepages";
  const saved = readFileSync(path, "utf8").trim();
  try {
    writeFileSync(path, "0");
    assert.throws(() => Ring.create({ entries: 8, hugepages: "hugetlb" }), (e: unknown) => {
      assert.ok(e instanceof UringError);
      assert.equal(e.code, "ENOMEM");
      assert.match(e.hint ?? "", /nr_hugepages=0.*pass hugepages: "auto"/);
      assert.doesNotMatch(e.hint ?? "", /memory:/);
      return true;
    });
    using ring = Ring.create({ entries: 8 });
    assert.notEqual(ring.memoryKind, "hugetlb");
    assert.equal(ring.fallback.length, 1, ring.fallback.join("; "));
    assert.match(ring.fallback[0], /^hugepages: got "(thp|pages)": no hugetlb page: .*vm\.nr_hugepages=0/);
    using arena = Arena.create({ size: 4096 });
    assert.match(arena.fallback ?? "", /^no hugetlb page: no hugepages are reserved \(vm\.nr_hugepages=0\): reserve some/);
    assert.doesNotMatch(ring.fallback[0] + arena.fallback, /pass (memory|hugepages):/, "auto already fell back");
  } finally {
    writeFileSync(path, saved);
  }
});

test("a ring that got every default feature has an empty fallback", {
  skip: skipIf(!kernelAtLeast("6.6") && "NO_MMAP and NO_SQARRAY defaults need Linux 6.6"),
}, () => {
  const reserved = Number(readFileSync("/proc/sys/vm/nr_hugepages", "utf8")) > 0;
  using ring = Ring.create({ entries: 8 });
  assert.equal(ring.memory, "user");
  if (reserved && ring.memoryKind === "hugetlb") assert.deepEqual(ring.fallback, []);
  else assert.ok(ring.fallback.every((f) => f.startsWith("hugepages:")), ring.fallback.join("; "));
});
