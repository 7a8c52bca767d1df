/**
 * The opcode table (src/abi/opcodes.ts) against the running kernel, and the
 * probe gate (src/ops/require.ts) that reads it: an opcode the kernel lacks
 * is refused with "requires Linux X.Y (this is A.B)" before anything is
 * queued. Run in the qemu VMs too, each kernel checks the table's versions.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Op, OP_NAMES, OPCODES, type OpName, opSince } from "../src/abi/opcodes.ts";
import { opSupported, requireOp, UnsupportedOpError } from "../src/ops/require.ts";
import { kernelAtLeast, kernelRelease } from "../src/errors/hints.ts";
import { UringError } from "../src/errors/uring_error.ts";
import { Ring } from "../src/ring/ring.ts";

const version = (v: string): [number, number] => v.split(".").map(Number) as [number, number];

test("OPCODES: numbers 0..N-1 in order, versions never older than the opcode before", () => {
  const rows = Object.entries(OPCODES);
  rows.forEach(([name, [n, since]], i) => {
    assert.equal(n, i, `${name} is number ${i} of the enum`);
    assert.match(since, /^\d+\.\d+$/, `${name}: since ${since}`);
    if (i > 0) {
      const [prev, [, before]] = rows[i - 1];
      assert.ok(
        kernelAtLeast(before, version(since)),
        `${name} (${since}) is dated before ${prev} (${before})`,
      );
    }
  });
  assert.equal(Op.FTRUNCATE, 55);
  assert.equal(OP_NAMES[Op.PIPE], "PIPE");
  assert.equal(opSince(Op.BIND), "6.11");
  assert.equal(opSince(999), undefined);
});

test("OPCODES agrees with this kernel's probe: exactly the opcodes up to its version are supported", () => {
  using ring = Ring.create();
  const probe = ring.probe();
  const release = kernelRelease();
  const running = version(release.replace(/^(\d+\.\d+).*/, "$1"));
  const tooNew: string[] = [], missing: string[] = [];
  for (const [name, [, since]] of Object.entries(OPCODES) as [OpName, readonly [number, string]][]) {
    const expected = kernelAtLeast(since, running);
    if (probe.has(name) && !expected) tooNew.push(`${name} (table: ${since})`);
    if (!probe.has(name) && expected) missing.push(`${name} (table: ${since})`);
  }
  // Supported but newer than this kernel: the table's version is wrong.
  assert.deepEqual(tooNew, [], `Linux ${release} supports opcodes the table dates later`);
  // Older but missing: a version too early, or an opcode compiled out (CONFIG_FUTEX, CONFIG_NET...).
  if (missing.length) console.log(`# Linux ${release} lacks (compiled out?): ${missing.join(", ")}`);
  assert.ok(missing.length <= 5, `Linux ${release} lacks ${missing.join(", ")}: versions too early?`);
});

test("requireOp passes what the kernel has and refuses what it lacks with 'requires Linux X.Y (this is A.B)'", (t) => {
  using ring = Ring.create();
  requireOp(ring, Op.NOP);
  requireOp(ring, Op.READ);
  assert.equal(opSupported(ring, Op.READ), true);
  const probe = ring.probe();
  const lacking = (Object.keys(OPCODES) as OpName[]).find((n) => !probe.has(n));
  if (!lacking) return t.skip(`Linux ${kernelRelease()} has every opcode jsuring knows: nothing to refuse`);
  assert.equal(opSupported(ring, Op[lacking]), false);
  assert.throws(() => requireOp(ring, Op[lacking]), (e: unknown) => {
    assert.ok(e instanceof UnsupportedOpError && e instanceof UringError);
    assert.equal(e.code, "EINVAL");
    assert.equal(e.opName, lacking);
    assert.equal(e.since, OPCODES[lacking][1]);
    assert.equal(e.kernel, kernelRelease());
    const old = !kernelAtLeast(e.since);
    if (old) assert.match(e.message, new RegExp(`requires Linux ${e.since.replace(".", "\\.")} \\(this is `));
    else assert.match(e.message, /does not offer it although Linux/);
    assert.match(e.message, new RegExp(`^IORING_OP_${lacking}: EINVAL`));
    return true;
  });
  assert.throws(
    () => requireOp(ring, Op[lacking], "ring.pipe()"),
    /^UnsupportedOpError: ring\.pipe\(\)|ring\.pipe\(\): EINVAL/,
  );
});

test("requireOp and opSupported reject a number that is no opcode with RangeError", () => {
  using ring = Ring.create();
  assert.throws(() => requireOp(ring, 200), /requireOp: op must be an io_uring opcode/);
  assert.throws(() => opSupported(ring, -1), RangeError);
});
