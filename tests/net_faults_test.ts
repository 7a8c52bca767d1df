// Backpressure and faults of TCP connections (issue 12, point 6): ordered
// sends without awaiting, a slow reader with bounded memory, peer reset
// mid-send and mid-receive, half-close, 2,000 concurrent connections.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { AsyncRing, connect, Errno, listen, type TcpConn, type TcpListener, UringError } from "../mod.ts";
import { libc } from "../src/runtime/libs.ts";
import { forceGc, pattern, skipIf } from "./_helpers.ts";

const create = (entries = 256) => AsyncRing.create({ entries });

async function pair(ring: AsyncRing, server: TcpListener): Promise<[TcpConn, TcpConn]> {
  const [a, b] = await Promise.all([server.accept(), connect({ port: server.port, ring })]);
  return [a, b];
}

async function readExactly(conn: TcpConn, want: number): Promise<Uint8Array> {
  const out = new Uint8Array(want);
  let got = 0;
  while (got < want) {
    const n = await conn.recv(out.subarray(got));
    if (n === 0) break;
    got += n;
  }
  return out.subarray(0, got);
}

/** Echo one connection until the peer closes; returns why it ended. */
async function echo(conn: TcpConn): Promise<unknown> {
  try {
    for await (const chunk of conn.chunks()) await conn.sendAll(chunk);
    return "closed";
  } catch (e) {
    return e;
  } finally {
    await conn.close();
  }
}

/** Check that a fresh connection through `server` (served by echo) still works. */
async function stillEchoes(ring: AsyncRing, server: TcpListener): Promise<void> {
  const [a, b] = await pair(ring, server);
  const served = echo(a);
  const msg = pattern(5000, 9);
  const [, back] = await Promise.all([b.sendAll(msg), readExactly(b, msg.length)]);
  assert.deepEqual(back, msg);
  await b.close();
  assert.equal(await served, "closed");
}

function rss(): number {
  forceGc();
  return process.memoryUsage().rss;
}

test("sendAll calls made without awaiting arrive whole and in call order", async () => {
  await using ring = create();
  await using server = await listen({ ring });
  const [a, b] = await pair(ring, server);
  const parts = Array.from({ length: 300 }, (_, i) => pattern(1 + ((i * 7919) % 70_000), i + 1));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const reading = readExactly(b, total);
  // Mixed: single buffers, header+body pairs (one vectored send), one send().
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i % 3 === 1 && i + 1 < parts.length) {
      sends.push(a.sendAll([parts[i], parts[i + 1]]));
      i++;
    } else sends.push(a.sendAll(parts[i]));
  }
  await Promise.all(sends);
  assert.equal(a.pendingSendBytes, 0);
  const got = await reading;
  let off = 0;
  for (const p of parts) {
    assert.deepEqual(got.subarray(off, off + p.length), p);
    off += p.length;
  }
  await a.close();
  await b.close();
});

test("a slow reader holds the writer's promises, and memory stays bounded", async () => {
  await using ring = create();
  await using server = await listen({ ring });
  const [a, b] = await pair(ring, server);
  const chunk = pattern(256 * 1024, 3);
  const count = 256; // 64 MiB offered against a reader that reads nothing yet
  // Warm up the staging classes and the JIT so the baseline includes them.
  await Promise.all([a.sendAll(chunk), readExactly(b, chunk.length)]);
  const before = rss();
  let settled = 0;
  const sends = Array.from({ length: count }, () => a.sendAll(chunk).then(() => void settled++));
  // Let the ring run: NOP round trips until the socket buffers are full and
  // the queue stops moving (the in-flight send waits on the reader).
  let last = -1;
  while (a.pendingSendBytes !== last) {
    last = a.pendingSendBytes;
    for (let i = 0; i < 20; i++) await ring.nop();
  }
  const grew = rss() - before;
  assert.ok(settled < count, "the writer must wait for the reader");
  assert.ok(a.pendingSendBytes > 32 * 1024 * 1024, `queued ${a.pendingSendBytes} bytes`);
  // The queue holds the caller's buffer, not copies: the library's memory for
  // the connection is one batch of staging (256 KiB) plus the socket buffers.
  assert.ok(grew < 24 * 1024 * 1024, `RSS grew by ${grew} bytes with ${count * chunk.length} bytes offered`);
  // Now read it all: every byte arrives, in order, and every promise settles.
  const got = await readExactly(b, count * chunk.length);
  await Promise.all(sends);
  for (let i = 0; i < count; i++) {
    assert.deepEqual(got.subarray(i * chunk.length, (i + 1) * chunk.length), chunk, `chunk ${i}`);
  }
  await a.close();
  await b.close();
});

test("a peer reset mid-send rejects that connection's queued sends with one typed error, others keep working", async () => {
  await using ring = create();
  await using server = await listen({ ring });
  const [a, b] = await pair(ring, server);
  const chunk = pattern(1 << 20, 5);
  const sends = Array.from({ length: 32 }, () => a.sendAll(chunk));
  // Wait until the writer is blocked on the full socket, then the reader
  // closes with unread data: the kernel answers with a RST.
  let last = -1;
  while (a.pendingSendBytes !== last) {
    last = a.pendingSendBytes;
    for (let i = 0; i < 20; i++) await ring.nop();
  }
  await b.close();
  const results = await Promise.allSettled(sends);
  const failed = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
  assert.ok(failed.length > 0, "some sends must fail");
  const err = failed[0].reason;
  assert.ok(err instanceof UringError, String(err));
  assert.ok(([Errno.ECONNRESET, Errno.EPIPE] as number[]).includes(err.errno), `errno ${err.code}`);
  assert.match(err.message, /send/);
  for (const f of failed) assert.equal(f.reason, err, "every queued send fails with the same error");
  await assert.rejects(a.sendAll(chunk), (e) => e === err);
  await a.close();
  // The listener and the ring serve new connections as before.
  await stillEchoes(ring, server);
});

test("a peer reset mid-receive ends that stream with ECONNRESET, another connection is untouched", async () => {
  await using ring = create();
  await using server = await listen({ ring });
  const [a, b] = await pair(ring, server);
  const [c, d] = await pair(ring, server);
  const other = echo(c);
  const reading = (async () => {
    let got = 0;
    try {
      for await (const chunk of a.chunks()) got += chunk.length;
      return got;
    } catch (e) {
      return e;
    }
  })();
  await b.sendAll(pattern(1000, 1));
  // b holds unread data when it closes, so the kernel resets the connection.
  await a.sendAll(pattern(1000, 2));
  for (let i = 0; i < 20; i++) await ring.nop(); // a's bytes reach b's receive queue
  await b.close();
  const ended = await reading;
  assert.ok(ended instanceof UringError, `the stream must fail, got ${String(ended)}`);
  assert.equal(ended.errno, Errno.ECONNRESET);
  // The other connection still echoes.
  const msg = pattern(3000, 7);
  const [, back] = await Promise.all([d.sendAll(msg), readExactly(d, msg.length)]);
  assert.deepEqual(back, msg);
  await d.close();
  assert.equal(await other, "closed");
  await a.close();
});

test("half-close: the peer's shutdown ends the receive stream; sending back still works", async () => {
  await using ring = create();
  await using server = await listen({ ring });
  const [a, b] = await pair(ring, server);
  await b.sendAll(new TextEncoder().encode("hello"));
  await b.shutdown("write");
  let text = "";
  for await (const chunk of a.chunks()) text += new TextDecoder().decode(chunk);
  assert.equal(text, "hello");
  await a.sendAll(new TextEncoder().encode("bye"));
  await a.shutdown("write");
  const back = await readExactly(b, 16);
  assert.equal(new TextDecoder().decode(back), "bye");
  assert.equal(await b.recv(new Uint8Array(8)), 0);
  await a.close();
  await b.close();
});

function fdLimit(): number {
  const lim = new BigUint64Array(2);
  if (libc().getrlimit(7, /* RLIMIT_NOFILE */ lim) !== 0) return 0;
  return lim[0] > 1_000_000n ? 1_000_000 : Number(lim[0]);
}

const CONNS = 2000;
// Both ends live in this process: two descriptors per connection plus the runtime's own.
const fdsShort = fdLimit() < 2 * CONNS + 256 &&
  `RLIMIT_NOFILE is ${fdLimit()}, ${2 * CONNS + 256} descriptors needed (raise it with ulimit -n)`;

test(`${CONNS} concurrent connections echo verified data`, { skip: skipIf(fdsShort) }, async () => {
  await using ring = create(1024);
  await using server = await listen({ ring, backlog: 4096 });
  const served: Promise<unknown>[] = [];
  const accepting = (async () => {
    for await (const conn of server) {
      served.push(echo(conn));
      if (served.length === CONNS) break;
    }
  })();
  const clients = await Promise.all(
    Array.from({ length: CONNS }, () => connect({ port: server.port, ring })),
  );
  await accepting;
  // Every client sends its own pattern at once and checks what comes back.
  await Promise.all(clients.map(async (c, i) => {
    const msg = pattern(1024 + (i % 7) * 1000, i + 1);
    for (let round = 0; round < 2; round++) {
      const [, back] = await Promise.all([c.sendAll(msg), readExactly(c, msg.length)]);
      assert.deepEqual(back, msg, `connection ${i} round ${round}`);
    }
  }));
  await Promise.all(clients.map((c) => c.close()));
  const ends = await Promise.all(served);
  assert.deepEqual(ends.filter((e) => e !== "closed"), []);
});

test("data that arrives after a receive stream stopped gives its buffers back (no double recycle)", async () => {
  await using ring = create();
  await using server = await listen({ ring });
  for (let round = 0; round < 20; round++) {
    const [a, b] = await pair(ring, server);
    // The peer keeps sending while the receiver stops after its first chunk:
    // results in flight when the multishot is cancelled land in `discard`.
    const chunk = pattern(16 * 1024, round + 1);
    let sending = true;
    const writer = (async () => {
      try {
        while (sending) await b.sendAll(chunk);
      } catch { /* a closed: reset */ }
    })();
    for await (const _ of a.chunks()) {
      // More results queue up in the multishot while this one is held.
      for (let i = 0; i < 10; i++) await ring.nop();
      break;
    }
    await a.close();
    sending = false;
    await writer;
    await b.close();
  }
  await stillEchoes(ring, server);
});
