/**
 * jsuring demo: a NO_MMAP ring on a hugepage reading a real file, side by side
 * with node:fs readSync in the same runtime.
 *
 *   deno run -A examples/demo.ts      bun examples/demo.ts
 */
import { closeSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ring } from "../mod.ts";

const runtime = "Bun" in globalThis ? "bun" : "deno";
const FILE_MB = 64, BLOCK = 4096, QD = 64;
const path = join(tmpdir(), `jsuring-demo-${Date.now()}.dat`);
const data = new Uint8Array(FILE_MB << 20);
crypto.getRandomValues(data.subarray(0, 65536));
for (let off = 65536; off < data.length; off += 65536) data.copyWithin(off, 0, 65536);
for (let i = 0; i < data.length; i += BLOCK) data[i] = (i / BLOCK) & 0xff; // each block distinct
writeFileSync(path, data);
const fd = openSync(path, "r");
const blocks = data.length / BLOCK;

using ring = Ring.create({ entries: QD * 2 });
console.log(
  `ring: ${ring.layout.sqEntries} SQEs in ${ring.memory} memory (${
    ring.memory === "user" ? "IORING_SETUP_NO_MMAP" : "mmap of the ring fd"
  }) backed by ${ring.memoryKind}${
    ring.memoryKind === "hugetlb" ? " (a 2 MiB hugepage)" : ring.memoryKind === "thp"
      ? " (a transparent hugepage: no hugetlb pages reserved)"
      : " (ordinary pages: no hugepages available)"
  }`,
);

// Random 4 KiB reads, QD in flight, one io_uring_enter per batch.
let seed = 0x9e3779b9;
const next = () => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed % blocks;
};
const bufs = Array.from({ length: QD }, () => new Uint8Array(BLOCK));
const offsets = new Float64Array(QD);
let checked = 0;
function uringReads(ms: number): number {
  let done = 0;
  const t0 = performance.now();
  for (let i = 0; i < QD; i++) {
    offsets[i] = next() * BLOCK;
    ring.read(fd, bufs[i], offsets[i], { tag: i });
  }
  while (performance.now() - t0 < ms) {
    ring.submitAndWait(QD / 2);
    ring.reap((res, _flags, tag) => {
      const i = tag as number;
      if (res !== BLOCK) throw new Error(`read returned ${res}`);
      if (checked < 1000 && bufs[i][0] !== ((offsets[i] / BLOCK) & 0xff)) throw new Error("wrong data");
      checked++;
      done++;
      offsets[i] = next() * BLOCK;
      ring.read(fd, bufs[i], offsets[i], { tag: i });
    });
  }
  ring.submitAndWait(ring.inFlight);
  ring.reap(() => {});
  return done / ((performance.now() - t0) / 1000);
}
function preadReads(ms: number): number {
  let done = 0;
  const buf = new Uint8Array(BLOCK);
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 256; i++) readSync(fd, buf, 0, BLOCK, next() * BLOCK);
    done += 256;
  }
  return done / ((performance.now() - t0) / 1000);
}

uringReads(200); // warm-up: page cache and JIT
preadReads(200);
const uring = uringReads(1000), pread = preadReads(1000);
console.log(`4 KiB random reads of a ${FILE_MB} MiB cached file on ${runtime}:`);
console.log(
  `  jsuring QD ${QD} batched: ${(uring / 1e3).toFixed(0)} k/s   node:fs readSync: ${(pread / 1e3).toFixed(0)} k/s   ratio ${
    (uring / pread).toFixed(2)
  }x   (${checked} reads checked)`,
);
closeSync(fd);
rmSync(path);
