/**
 * One registered file table per ring, shared by fs and direct descriptors
 * (src/async/file_table.ts): fs first then directConnections() on the same
 * ring and the reverse, both using the table (fs slots in the reserved
 * range, accepts above it), data verified; the table growing while fs files
 * are open and readFile chains run keeps every fs slot's file in its slot.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AsyncRing,
  connect,
  defaultRing,
  type DirectConn,
  FileTable,
  listen,
  open,
  kernelAtLeast,
  readFile,
  readFiles,
  type TcpConn,
} from "../mod.ts";
import { smallStats } from "../src/fs/_small.ts";
import { fileWith, pattern, tempDir } from "./_helpers.ts";

async function readExactly(conn: TcpConn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await conn.recv(out.subarray(got));
    if (r === 0) break;
    got += r;
  }
  return out.subarray(0, got);
}

/** Echo `n` bytes through a direct connection and check them. */
async function echo(client: TcpConn, conn: DirectConn, seed: number): Promise<void> {
  const data = pattern(100_000, seed);
  const back = (async () => {
    let got = 0;
    const buf = new Uint8Array(16384);
    while (got < data.length) {
      const n = await conn.recv(buf);
      if (n === 0) break;
      await conn.sendAll(buf.subarray(0, n));
      got += n;
    }
  })();
  const sent = client.sendAll(data);
  assert.deepEqual(await readExactly(client, data.length), data);
  await sent;
  await back;
}

/** The fs range is [0, size - _directSlots). */
const fsRange = (t: FileTable) => t.size - t._directSlots;

test("readFile and open on the default ring, then directConnections() on it: one table, both work", async () => {
  using dir = tempDir();
  const data = pattern(5000, 9);
  const path = fileWith(dir.path, "a", data);
  const chains = smallStats.chains;
  assert.deepEqual(await readFile(path), data);
  assert.equal(smallStats.chains, chains + 1, "readFile did not use the table (open-direct chain)");
  await using f = await open(path);
  const ring = defaultRing();
  const table = FileTable.of(ring); // was EBUSY: fs had registered its own table
  assert.ok(fsRange(table) > 0, `size ${table.size}`);
  assert.ok(f.index >= 0 && f.index < fsRange(table), `fs slot ${f.index}`);
  await using server = await listen({ port: 0 });
  const client = await connect({ port: server.port });
  const it = server.directConnections();
  const conn = (await it.next()).value as DirectConn;
  assert.ok(conn.slot >= fsRange(table) && conn.slot < table.size, `accepted into slot ${conn.slot}`);
  await echo(client, conn, 1);
  // fs still right after: the registered file reads its bytes, readFile its own.
  const buf = new Uint8Array(data.length);
  assert.equal(await f.read(buf, 0), data.length);
  assert.deepEqual(buf, data);
  assert.deepEqual(await readFile(path), data);
  await conn.close();
  await client.close();
  await it.return(undefined);
});

test("directConnections() first, then fs on the same ring: fs uses the table (not plain fds)", async () => {
  using dir = tempDir();
  await using ring = AsyncRing.create({ entries: 64 });
  await using server = await listen({ port: 0, ring });
  const client = await connect({ port: server.port, ring });
  const it = server.directConnections();
  const conn = (await it.next()).value as DirectConn;
  const table = FileTable.of(ring);
  assert.ok(conn.slot >= fsRange(table), `accepted into slot ${conn.slot}`);
  const paths = [0, 1, 2, 3].map((i) => fileWith(dir.path, `f${i}`, pattern(3000 + i, i + 1)));
  const chains = smallStats.chains;
  const all = await readFiles(paths, { ring });
  all.forEach((b, i) => assert.deepEqual(b, pattern(3000 + i, i + 1)));
  assert.equal(smallStats.chains, chains + 4);
  await using f = await open(paths[2], "r", { ring });
  assert.ok(f.index >= 0 && f.index < fsRange(table), `fs slot ${f.index}`);
  const buf = new Uint8Array(3002);
  assert.equal(await f.read(buf, 0), 3002);
  assert.deepEqual(buf, pattern(3002, 3));
  await echo(client, conn, 2);
  await conn.close();
  await client.close();
  await it.return(undefined);
});

test("the shared table grows with fs files open and readFile chains running: every slot keeps its file", async (t) => {
  await using ring = AsyncRing.create({ entries: 128 });
  if (!kernelAtLeast("6.13")) {
    t.diagnostic("skip: requires Linux 6.13: growing the file table (unregistering waits for armed requests before)");
    return;
  }
  using dir = tempDir();
  const table = FileTable.of(ring, { size: 64 });
  const reserved = fsRange(table);
  assert.equal(reserved, 16);
  const paths = Array.from({ length: 40 }, (_, i) => fileWith(dir.path, `g${i}`, pattern(2000 + i, 100 + i)));
  const files = await Promise.all(paths.slice(0, 6).map((p) => open(p, "r", { ring })));
  const indexes = files.map((f) => f.index);
  for (const i of indexes) assert.ok(i >= 0 && i < reserved, `fs slot ${i}`);
  await using server = await listen({ port: 0, ring });
  const it = server.directConnections();
  // Enough connections to grow the table (48 slots for accepts, 8 kept free), with readFiles in flight meanwhile.
  const N = 45;
  const clients = await Promise.all(Array.from({ length: N }, () => connect({ port: server.port, ring })));
  const reads = (async () => {
    for (let round = 0; round < 5; round++) {
      const got = await readFiles(paths, { ring });
      got.forEach((b, i) => assert.deepEqual(b, pattern(2000 + i, 100 + i), `round ${round} file ${i}`));
    }
  })();
  const conns: DirectConn[] = [];
  for (let i = 0; i < N; i++) conns.push((await it.next()).value as DirectConn);
  await reads;
  assert.ok(table.grown >= 1, `grew ${table.grown} times`);
  assert.ok(table.size >= 128, `size ${table.size}`);
  assert.equal(fsRange(table), reserved, "the fs range moved");
  for (const c of conns) assert.ok(c.slot >= reserved, `accepted into fs slot ${c.slot}`);
  assert.equal(new Set(conns.map((c) => c.slot)).size, N);
  // The open files still read their own bytes through the same slots.
  for (let i = 0; i < files.length; i++) {
    assert.equal(files[i].index, indexes[i]);
    const buf = new Uint8Array(2000 + i);
    assert.equal(await files[i].read(buf, 0), buf.length);
    assert.deepEqual(buf, pattern(2000 + i, 100 + i), `file ${i} after growing`);
  }
  // Every connection talks to its own client.
  await Promise.all(
    conns.map((c) => c.sendAll(new TextEncoder().encode(`s${String(c.slot).padStart(4, "0")}`))),
  );
  const bySlot = new Map<number, TcpConn>();
  for (const cl of clients) {
    bySlot.set(Number(new TextDecoder().decode(await readExactly(cl, 5)).slice(1)), cl);
  }
  assert.equal(bySlot.size, N);
  await echo(bySlot.get(conns[0].slot)!, conns[0], 7);
  await echo(bySlot.get(conns[N - 1].slot)!, conns[N - 1], 8);
  // An explicit grow while a file is open and chains run keeps them too.
  const more = readFiles(paths, { ring });
  const before = table.size;
  if (await table.grow()) assert.equal(table.size, before * 2);
  else t.diagnostic(`no explicit grow past ${before} slots (RLIMIT_NOFILE)`);
  (await more).forEach((b, i) => assert.deepEqual(b, pattern(2000 + i, 100 + i)));
  const buf = new Uint8Array(2000);
  assert.equal(await files[0].read(buf, 0), 2000);
  assert.deepEqual(buf, pattern(2000, 100));
  for (const f of files) await f.close();
  for (const c of conns) await c.close();
  for (const cl of clients) await cl.close();
  await it.return(undefined);
  assert.equal(table.used, 0);
});

test("a different explicit size for a ring whose table exists is a RangeError quoting both sizes", async () => {
  using dir = tempDir();
  await using ring = AsyncRing.create({ entries: 16 });
  // fs registers the table first (the default size); the size is then fixed.
  const path = fileWith(dir.path, "s", pattern(100, 3));
  assert.deepEqual(await readFile(path, { ring }), pattern(100, 3));
  const table = FileTable.of(ring);
  const other = table.size === 64 ? 128 : 64;
  assert.throws(() => FileTable.of(ring, { size: other }), (e: unknown) => {
    assert.ok(e instanceof RangeError, String(e));
    assert.match(e.message, new RegExp(`size is ${other}\\b.*registered with ${table.size} slots`));
    assert.match(e.message, /fileTable: \{ size \}.*another ring/);
    return true;
  });
  // The same size, or none, still returns the table; a bad size is rejected, not ignored.
  assert.equal(FileTable.of(ring, { size: table.size }), table);
  assert.equal(FileTable.of(ring), table);
  assert.throws(() => FileTable.of(ring, { size: 0 }), { name: "RangeError", message: /got 0/ });
  // directConnections' fileTable option goes through the same check.
  await using server = await listen({ port: 0, ring });
  const it = server.directConnections({ fileTable: { size: other } });
  await assert.rejects(it.next(), {
    name: "RangeError",
    message: new RegExp(`registered with ${table.size} slots`),
  });
});
