/**
 * Direct descriptors (src/net/direct.ts): multishot accept_direct into the
 * ring's registered file table, fixed-file recv/send/shutdown with the data
 * verified, fixed_fd_install handing out a regular descriptor, slots
 * released on close, the table growing when full, and bad input refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AsyncRing,
  connect,
  type DirectConn,
  FileTable,
  listen,
  Op,
  opSupported,
  type TcpConn,
  UringError,
} from "../mod.ts";
import { setImmediate } from "node:timers";
import { pattern } from "./_helpers.ts";
import { kernelAtLeast, pretendKernelVersion } from "../src/errors/hints.ts";

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

test("accept_direct: a connection on a fixed-file slot echoes verified data; close releases the slot", async () => {
  await using ring = AsyncRing.create({ entries: 64 });
  await using server = await listen({ port: 0, ring });
  const table = FileTable.of(ring, { size: 64 });
  const client = await connect({ port: server.port, ring });
  const it = server.directConnections();
  const conn = (await it.next()).value as DirectConn;
  assert.ok(conn.slot >= 0 && conn.slot < 64, `slot ${conn.slot}`);
  assert.equal(table.used, 1);
  const data = pattern(200_000, 4);
  const echo = (async () => {
    for await (const chunk of conn.chunks()) await conn.sendAll(chunk);
  })();
  const sent = client.sendAll(data);
  assert.deepEqual(await readExactly(client, data.length), data);
  await sent;
  await client.shutdown("write");
  await echo; // the peer's FIN ended chunks()
  // Single-shot recv on the slot sees the end of stream too.
  assert.equal(await conn.recv(new Uint8Array(8)), 0);
  await conn.close();
  assert.equal(conn.slot, -1);
  assert.equal(table.used, 0);
  assert.equal(await client.recv(new Uint8Array(8)), 0); // the slot was the socket's last reference
  await client.close();
  await it.return(undefined);
});

test("installFd: a regular descriptor for a direct connection carries the same stream", async (t) => {
  await using ring = AsyncRing.create({ entries: 32 });
  if (!opSupported(ring.ring, Op.FIXED_FD_INSTALL)) {
    t.diagnostic("skip: requires Linux 6.8: IORING_OP_FIXED_FD_INSTALL");
    return;
  }
  await using server = await listen({ port: 0, ring });
  const client = await connect({ port: server.port, ring });
  for await (const conn of server.directConnections()) {
    const fd = await conn.installFd();
    assert.ok(fd >= 0);
    await client.sendAll(new TextEncoder().encode("via fd"));
    const buf = new Uint8Array(6);
    assert.equal(await ring.recv(fd, buf), 6); // a plain (non-fixed) recv on the installed descriptor
    assert.equal(new TextDecoder().decode(buf), "via fd");
    await ring.send(fd, new TextEncoder().encode("back"));
    assert.equal(new TextDecoder().decode(await readExactly(client, 4)), "back");
    // Both refer to one socket: closing the slot leaves the descriptor working.
    await conn.close();
    await ring.send(fd, new TextEncoder().encode("!"));
    assert.equal(new TextDecoder().decode(await readExactly(client, 1)), "!");
    await ring.closeFd(fd);
    assert.equal(await client.recv(new Uint8Array(1)), 0);
    await assert.rejects(conn.installFd(), { name: "TypeError", message: /closed/ });
    break;
  }
  await client.close();
});

test("a table that cannot grow (before Linux 6.13, pretended here) makes accepts wait for a free slot: none lost", async () => {
  // Pretend only on 6.13+: an older kernel cannot grow anyway, and pretending
  // an older one there would ask it for ring features it lacks (NO_MMAP, 6.5, on 6.1).
  if (kernelAtLeast("6.13")) pretendKernelVersion("6.12");
  try {
    await using ring = AsyncRing.create({ entries: 64 });
    await using server = await listen({ port: 0, ring });
    const table = FileTable.of(ring, { size: 3 });
    const clients = await Promise.all([0, 1, 2, 3, 4].map(() => connect({ port: server.port, ring })));
    const it = server.directConnections();
    const conns: DirectConn[] = [];
    for (let i = 0; i < 3; i++) conns.push((await it.next()).value as DirectConn);
    assert.equal(table.used, 3);
    assert.equal(table.size, 3);
    // The fourth waits in the listen backlog until a slot is released, then arrives.
    const fourth = it.next();
    let arrived = false;
    void fourth.then(() => arrived = true);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(arrived, false, "accepted with no free slot");
    await conns.shift()!.close();
    conns.push((await fourth).value as DirectConn);
    await conns.shift()!.close();
    conns.push((await it.next()).value as DirectConn);
    assert.equal(table.grown, 0);
    // All five clients were served: the three open connections' clients get the byte, the two closed ones EOF.
    for (const c of conns) await c.sendAll(new Uint8Array([7]));
    const got = await Promise.all(clients.map((cl) => readExactly(cl, 1)));
    assert.deepEqual(got.map((b) => b.length).sort(), [0, 0, 1, 1, 1]);
    for (const c of conns) await c.close();
    for (const cl of clients) await cl.close();
    await it.return(undefined);
  } finally {
    pretendKernelVersion(undefined);
  }
});

test("a nearly full table grows (Linux 6.8+) before any accept could find it full: no connection lost, every live one kept in its slot", async (t) => {
  await using ring = AsyncRing.create({ entries: 128 });
  if (!kernelAtLeast("6.13")) {
    t.diagnostic("skip: requires Linux 6.13: growing the file table (unregistering waits for armed requests before)");
    return;
  }
  await using server = await listen({ port: 0, ring });
  const table = FileTable.of(ring, { size: 4 });
  const N = 12;
  const clients = await Promise.all(Array.from({ length: N }, () => connect({ port: server.port, ring })));
  const conns: DirectConn[] = [];
  for await (const conn of server.directConnections()) {
    conns.push(conn);
    if (conns.length === N) break;
  }
  assert.ok(table.grown >= 2, `grew ${table.grown} times`);
  assert.ok(table.size >= 16 && table.size > N, `size ${table.size}`);
  assert.equal(new Set(conns.map((c) => c.slot)).size, N);
  // Every connection, old slots and new, talks to its own client (verified per pair).
  const peers = new Map<number, TcpConn>();
  await Promise.all(
    conns.map((c) => c.sendAll(new TextEncoder().encode(`slot${String(c.slot).padStart(2, "0")}`))),
  );
  for (const cl of clients) {
    const tag = new TextDecoder().decode(await readExactly(cl, 6));
    peers.set(Number(tag.slice(4)), cl);
  }
  assert.equal(peers.size, N);
  for (const c of conns) {
    const msg = pattern(1000, c.slot + 1);
    await peers.get(c.slot)!.sendAll(msg);
    const buf = new Uint8Array(1000);
    let got = 0;
    while (got < 1000) got += await c.recv(buf.subarray(got));
    assert.deepEqual(buf, msg, `slot ${c.slot}`);
  }
  for (const c of conns) await c.close();
  assert.equal(table.used, 0);
  for (const cl of clients) await cl.close();
});

test("closing the listener ends directConnections()", async () => {
  await using ring = AsyncRing.create({ entries: 16 });
  const server = await listen({ port: 0, ring });
  const loop = (async () => {
    let n = 0;
    for await (const c of server.directConnections()) {
      n++;
      await c.close();
    }
    return n;
  })();
  await new Promise((r) => setTimeout(r, 10));
  await server.close();
  assert.equal(await loop, 0);
});

test("bad input: table sizes, unknown keys, a ring with its own registered files", async () => {
  await using ring = AsyncRing.create({ entries: 8 });
  assert.throws(() => FileTable.of(ring, { size: 0 }), { name: "RangeError", message: /size.*got 0/ });
  assert.throws(() => FileTable.of(ring, { size: 2 ** 21 }), { name: "RangeError", message: /2097152/ });
  assert.throws(() => FileTable.of(ring, { slots: 4 } as never), {
    name: "TypeError",
    message: /unknown option "slots"/,
  });
  await using other = AsyncRing.create({ entries: 8 });
  other.ring.registerFiles([-1, -1]);
  assert.throws(() => FileTable.of(other), (e: unknown) => {
    assert.ok(e instanceof UringError && e.code === "EBUSY", String(e));
    assert.match(e.message, /registerFiles/);
    return true;
  });
  await using server = await listen({ port: 0, ring });
  const it = server.directConnections({ bogus: 1 } as never);
  await assert.rejects(it.next(), { name: "TypeError", message: /unknown option "bogus"/ });
});

test("multishot: true accepts with one SQE (into a table big enough)", async () => {
  await using ring = AsyncRing.create({ entries: 32 });
  await using server = await listen({ port: 0, ring });
  FileTable.of(ring, { size: 64 });
  const clients = await Promise.all([0, 1, 2].map(() => connect({ port: server.port, ring })));
  const slots: number[] = [];
  for await (const conn of server.directConnections({ multishot: true })) {
    slots.push(conn.slot);
    await conn.sendAll(new Uint8Array([conn.slot]));
    await conn.close();
    if (slots.length === 3) break;
  }
  assert.equal(new Set(slots).size, 3);
  const got = await Promise.all(clients.map((c) => readExactly(c, 1)));
  assert.deepEqual(got.map((b) => b[0]).sort(), [...slots].sort());
  for (const c of clients) await c.close();
});

test("a table that grows while connections receive (multishot recv on their slots) keeps them receiving", async (t) => {
  await using ring = AsyncRing.create({ entries: 128 });
  if (!kernelAtLeast("6.13")) {
    t.diagnostic("skip: requires Linux 6.13: growing the file table (unregistering waits for armed requests before)");
    return;
  }
  await using server = await listen({ port: 0, ring });
  const table = FileTable.of(ring, { size: 16 });
  const it = server.directConnections();
  // Two connections echoing through chunks() (multishot recv armed on their slots).
  const early = await Promise.all([0, 1].map(() => connect({ port: server.port, ring })));
  const echoes: Promise<void>[] = [];
  const conns: DirectConn[] = [];
  for (let i = 0; i < 2; i++) {
    const c = (await it.next()).value as DirectConn;
    conns.push(c);
    echoes.push((async () => {
      for await (const chunk of c.chunks()) await c.sendAll(chunk);
    })());
  }
  const ping = async (cl: TcpConn, seed: number) => {
    const msg = pattern(3000, seed);
    await cl.sendAll(msg);
    assert.deepEqual(await readExactly(cl, msg.length), msg);
  };
  await ping(early[0], 1);
  // Enough new connections to make the table grow (at most 8 free slots kept).
  const grownBefore = table.grown;
  const late = await Promise.all(Array.from({ length: 10 }, () => connect({ port: server.port, ring })));
  for (let i = 0; i < 10; i++) conns.push((await it.next()).value as DirectConn);
  assert.ok(table.grown > grownBefore, "the table did not grow");
  // The streams armed before the growth still deliver, and new sends reach the old slots.
  await ping(early[0], 2);
  await ping(early[1], 3);
  for (const cl of [...early, ...late]) await cl.close();
  await Promise.all(echoes);
  for (const c of conns) await c.close();
  assert.equal(table.used, 0);
  await it.return(undefined);
});

test("concurrent sendAll calls on a direct connection arrive whole and in call order", async () => {
  await using ring = AsyncRing.create({ entries: 64 });
  await using server = await listen({ port: 0, ring });
  const client = await connect({ port: server.port, ring });
  const it = server.directConnections();
  const conn = (await it.next()).value as DirectConn;
  // Larger than the socket buffers: the sends come back short and continue.
  const a = pattern(3 << 20, 1), b = pattern(3 << 20, 2);
  const sent = Promise.all([conn.sendAll(a), conn.sendAll(b)]);
  const got = await readExactly(client, a.length + b.length);
  await sent;
  assert.ok(got.subarray(0, a.length).every((v, i) => v === a[i]), "first call's bytes first");
  assert.ok(got.subarray(a.length).every((v, i) => v === b[i]), "second call's bytes after");
  await conn.close();
  await client.close();
  await it.return(undefined);
});

test("closing the ring ends directConnections() cleanly", async () => {
  const ring = AsyncRing.create({ entries: 16 });
  const server = await listen({ port: 0, ring });
  const loop = (async () => {
    for await (const c of server.directConnections()) await c.close();
    return "ended";
  })();
  await new Promise((r) => setTimeout(r, 10));
  ring.close();
  assert.equal(await loop, "ended");
  await server.close();
});
