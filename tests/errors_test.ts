import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { Arena, Errno, errnoName, Ring, SetupFlag, UringError } from "../mod.ts";
import { setupHint } from "../src/errors/hints.ts";
import { liburing } from "../src/runtime/libs.ts";
import { io_uring_params } from "../src/abi/layout.ts";
import { isRoot, skipIf } from "./_helpers.ts";

const DISABLED = "/proc/sys/kernel/io_uring_disabled";

test("io_uring disabled by sysctl: a typed EPERM naming kernel.io_uring_disabled", {
  skip: skipIf(!isRoot() && "changing kernel.io_uring_disabled needs root"),
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
  assert.match(hint ?? "", /IORING_SETUP_NO_MMAP needs Linux 6\.5/);
  assert.match(hint ?? "", /this is Linux 6\.1/);
  assert.doesNotMatch(hint ?? "", /SINGLE_ISSUER/);
});

test("setupHint() explains ENOMEM by RLIMIT_MEMLOCK, ENOSYS and EPERM by their causes", () => {
  assert.match(setupHint(Errno.ENOMEM, 0) ?? "", /RLIMIT_MEMLOCK/);
  assert.match(setupHint(Errno.ENOSYS, 0) ?? "", /CONFIG_IO_URING|seccomp/);
  if (readFileSync(DISABLED, "utf8").trim() === "0") {
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
    // "auto" still works, and says what it got instead.
    using ring = Ring.create({ entries: 8, memory: "user" });
    assert.notEqual(ring.memoryKind, "hugetlb");
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
