/**
 * UDP (src/net/udp.ts): datagrams with addresses over IPv4, IPv6 and a
 * dual-stack socket, sendTo/receiveFrom through sendmsg/recvmsg, multishot
 * recvmsg into a buffer ring with every byte and sender verified (also when
 * the buffers run out and the receive re-arms, and when a datagram is cut),
 * and bad input refused with the value quoted.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { AsyncRing, type Datagram, SocketError, UdpSocket, udpSocket } from "../mod.ts";
import { pattern, skipIf } from "./_helpers.ts";
import { pretendKernelVersion } from "../src/errors/hints.ts";

/** Whether this machine has an IPv6 loopback (`::1` on lo). */
function hasIPv6Loopback(): boolean {
  try {
    return /^0{31}1 /m.test(readFileSync("/proc/net/if_inet6", "utf8"));
  } catch {
    return false;
  }
}
const NO_V6 = !hasIPv6Loopback() && "no IPv6 loopback (::1) on this machine";

test("a host name resolves (localhost) for the bound address and the destination", async () => {
  await using ring = AsyncRing.create({ entries: 16 });
  await using a = await udpSocket({ ring, hostname: "localhost" });
  assert.equal(a.addr.hostname, "127.0.0.1");
  await a.sendTo(new TextEncoder().encode("by name"), { hostname: "localhost", port: a.port });
  assert.equal(new TextDecoder().decode((await a.receiveFrom(new Uint8Array(16))).data), "by name");
});

test("IPv4: sendTo / receiveFrom carry the bytes and the sender's address", async () => {
  await using ring = AsyncRing.create({ entries: 32 });
  await using a = await udpSocket({ ring });
  await using b = await udpSocket({ ring, hostname: "127.0.0.1" });
  assert.equal(a.addr.family, "IPv4");
  assert.equal(a.addr.hostname, "127.0.0.1");
  assert.ok(a.port > 0 && b.port > 0 && a.port !== b.port);
  const body = pattern(1200, 5);
  assert.equal(await a.sendTo(body, b.addr), 1200);
  const d = await b.receiveFrom(new Uint8Array(2000));
  assert.deepEqual(d.data, body);
  assert.deepEqual(d.from, { transport: "udp", hostname: "127.0.0.1", port: a.port, family: "IPv4" });
  assert.equal(d.truncated, false);
  // Vectored: two buffers make one datagram; the reply goes to the address received.
  assert.equal(await b.sendTo([body.subarray(0, 7), body.subarray(7, 100)], d.from), 100);
  const small = await a.receiveFrom(new Uint8Array(10));
  assert.deepEqual(small.data, body.subarray(0, 10));
  assert.equal(small.truncated, true);
  assert.equal(small.from.port, b.port);
  // An empty datagram is a datagram.
  await a.sendTo(new Uint8Array(0), b.addr);
  const empty = await b.receiveFrom(new Uint8Array(10));
  assert.equal(empty.data.length, 0);
});

test("IPv6: ::1 round trip with addresses", { skip: skipIf(NO_V6) }, async () => {
  await using ring = AsyncRing.create({ entries: 32 });
  await using a = await udpSocket({ ring, hostname: "::1" });
  await using b = await udpSocket({ ring, hostname: "::1" });
  assert.deepEqual([a.addr.hostname, a.addr.family], ["::1", "IPv6"]);
  const body = pattern(3000, 11);
  await a.sendTo(body, { hostname: "::1", port: b.port });
  const d = await b.receiveFrom(new Uint8Array(4000));
  assert.deepEqual(d.data, body);
  assert.deepEqual(d.from, { transport: "udp", hostname: "::1", port: a.port, family: "IPv6" });
});

test(
  "messages() on IPv6: senders over ::1 and IPv4-mapped on a dual-stack socket",
  { skip: skipIf(NO_V6) },
  async () => {
    await using ring = AsyncRing.create({ entries: 32 });
    await using rx = await udpSocket({ ring, hostname: "::" });
    await using v6 = await udpSocket({ ring, hostname: "::1" });
    await using v4 = await udpSocket({ ring });
    await v6.sendTo(pattern(500, 1), { hostname: "::1", port: rx.port });
    await v4.sendTo(pattern(600, 2), { hostname: "127.0.0.1", port: rx.port });
    const seen: [string, number, Uint8Array][] = [];
    for await (const d of rx.messages({ maxDatagram: 1500 })) {
      seen.push([d.from.hostname, d.from.port, d.data.slice()]);
      // Reply by the address received: the SEND-with-destination path for a cached sender.
      await rx.sendTo(d.data.subarray(0, 4), d.from);
      if (seen.length === 2) break;
    }
    seen.sort((a, b) => a[2].length - b[2].length);
    assert.deepEqual(seen[0], ["::1", v6.port, pattern(500, 1)]);
    assert.deepEqual(seen[1], ["::ffff:127.0.0.1", v4.port, pattern(600, 2)]);
    assert.deepEqual((await v6.receiveFrom(new Uint8Array(8))).data, pattern(500, 1).subarray(0, 4));
    assert.deepEqual((await v4.receiveFrom(new Uint8Array(8))).data, pattern(600, 2).subarray(0, 4));
  },
);

test("dual stack: a socket on :: receives from IPv4 (as ::ffff:127.0.0.1) and answers it", {
  skip: skipIf(NO_V6),
}, async () => {
  await using ring = AsyncRing.create({ entries: 32 });
  await using server = await udpSocket({ ring, hostname: "::" });
  await using v4 = await udpSocket({ ring, hostname: "127.0.0.1" });
  await v4.sendTo(new TextEncoder().encode("from v4"), { hostname: "127.0.0.1", port: server.port });
  const d = await server.receiveFrom(new Uint8Array(100));
  assert.equal(new TextDecoder().decode(d.data), "from v4");
  assert.deepEqual(d.from, { transport: "udp", hostname: "::ffff:127.0.0.1", port: v4.port, family: "IPv6" });
  // Replies by the address received, or by a plain IPv4 literal (mapped for the v6 socket).
  await server.sendTo(new TextEncoder().encode("back 1"), d.from);
  await server.sendTo(new TextEncoder().encode("back 2"), { hostname: "127.0.0.1", port: v4.port });
  for (const want of ["back 1", "back 2"]) {
    const r = await v4.receiveFrom(new Uint8Array(100));
    assert.equal(new TextDecoder().decode(r.data), want);
    assert.deepEqual(r.from, { transport: "udp", hostname: "127.0.0.1", port: server.port, family: "IPv4" });
  }
});

test("messages(): multishot recvmsg delivers every datagram, in order, with its sender and bytes", async () => {
  await using ring = AsyncRing.create({ entries: 64 });
  await using rx = await udpSocket({ ring });
  await using tx1 = await udpSocket({ ring });
  await using tx2 = await udpSocket({ ring });
  const N = 200;
  const sizes = Array.from({ length: N }, (_, i) => (i * 997) % 1400);
  const got: { from: number; data: Uint8Array }[] = [];
  const it = rx.messages({ maxDatagram: 1500, buffers: 32 });
  const reader = (async () => {
    for await (const d of it) {
      got.push({ from: d.from.port, data: d.data.slice() });
      assert.equal(d.truncated, false);
      if (got.length === N) break;
    }
  })();
  // Alternate senders; wait for each batch of 16 to keep the socket buffer from overflowing.
  for (let i = 0; i < N; i++) {
    const tx = i % 2 ? tx2 : tx1;
    await tx.sendTo(pattern(sizes[i], i + 1), rx.addr);
    if (i % 16 === 15) { while (got.length < i - 15) await new Promise((r) => setTimeout(r, 1)); }
  }
  await reader;
  assert.equal(got.length, N);
  // Per sender, order is kept (loopback); check each datagram's bytes by its seed.
  const bySender = new Map<number, number[]>([[tx1.port, []], [tx2.port, []]]);
  for (const g of got) bySender.get(g.from)!.push(got.indexOf(g));
  for (let i = 0; i < N; i++) {
    const tx = i % 2 ? tx2 : tx1;
    const k = bySender.get(tx.port)!.shift()!;
    assert.deepEqual(got[k].data, pattern(sizes[i], i + 1), `datagram ${i}`);
  }
});

test("messages(): when the buffers run out (ENOBUFS) the receive re-arms and loses nothing; long datagrams arrive truncated", async () => {
  await using ring = AsyncRing.create({ entries: 32 });
  await using rx = await udpSocket({ ring });
  await using tx = await udpSocket({ ring });
  // 10 datagrams wait in the socket before anyone reads; the ring has 2 buffers.
  for (let i = 0; i < 10; i++) await tx.sendTo(pattern(i === 9 ? 300 : 100, i + 1), rx.addr);
  const it = rx.messages({ maxDatagram: 200, buffers: 2 }) as AsyncIterableIterator<Datagram> & {
    rearms: number;
  };
  const seen: Datagram[] = [];
  for await (const d of it) {
    seen.push({ ...d, data: d.data.slice() });
    // Give the event loop a turn: the kernel fills both buffers and stops (ENOBUFS).
    await new Promise((r) => setTimeout(r, 1));
    if (seen.length === 10) break;
  }
  for (let i = 0; i < 9; i++) assert.deepEqual(seen[i].data, pattern(100, i + 1), `datagram ${i}`);
  assert.equal(seen[9].truncated, true);
  assert.deepEqual(seen[9].data, pattern(300, 10).subarray(0, 200));
  assert.ok(it.rearms > 0, "the receive never ran out of buffers: the test did not test the re-arm");
});

test("close() ends messages(); an aborted signal ends it too", async () => {
  await using ring = AsyncRing.create({ entries: 16 });
  const sock = await udpSocket({ ring });
  const ac = new AbortController();
  const a = (async () => {
    for await (const _ of sock.messages({ signal: ac.signal, maxDatagram: 100 })) {
      assert.fail("nothing was sent");
    }
  })();
  const b = (async () => {
    for await (const _ of sock.messages({ maxDatagram: 100 })) assert.fail("nothing was sent");
  })();
  await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  await a;
  await sock.close();
  await b;
  assert.equal(sock.fd, -1);
  await assert.rejects(sock.sendTo(new Uint8Array(1), { hostname: "127.0.0.1", port: 9 }), /closed/);
});

test("reusePort: two sockets share a port", async () => {
  await using ring = AsyncRing.create({ entries: 16 });
  await using a = await udpSocket({ ring, reusePort: true });
  await using b = await udpSocket({ ring, reusePort: true, port: a.port });
  assert.equal(a.port, b.port);
  await assert.rejects(udpSocket({ ring, port: a.port }), (e: unknown) => {
    assert.ok(e instanceof SocketError, String(e));
    assert.equal(e.code, "EADDRINUSE");
    assert.equal(e.address, `127.0.0.1:${a.port}`);
    assert.match(e.message, /reusePort/);
    return true;
  });
});

test("bad input refused before a socket is made, with the value quoted", async () => {
  await using ring = AsyncRing.create({ entries: 16 });
  await assert.rejects(udpSocket({ ring, port: 65536 }), { name: "RangeError", message: /port.*65536/ });
  await assert.rejects(udpSocket({ ring, port: "80" as never }), {
    name: "TypeError",
    message: /"?80"? \(string\)/,
  });
  // Malformed literals never become DNS queries.
  for (const hostname of ["1.2.3", "256.1.1.1", "01.2.3.4", "::g", "1::2::3"]) {
    await assert.rejects(udpSocket({ ring, hostname }), {
      name: "TypeError",
      message: new RegExp(JSON.stringify(hostname).replace(/[.[\]]/g, "\\$&")),
    });
  }
  await assert.rejects(udpSocket({ ring, hostName: "x" } as never), {
    name: "TypeError",
    message: /unknown option "hostName"/,
  });
  await assert.rejects(udpSocket({ ring, host: "::1", hostname: "127.0.0.1" }), {
    name: "TypeError",
    message: /one/,
  });
  await assert.rejects(udpSocket({ ring, reusePort: 1 as never }), {
    name: "TypeError",
    message: /reusePort/,
  });
  await assert.rejects(udpSocket({ ring, hostname: "192.0.2.99" }), (e: unknown) => {
    assert.ok(e instanceof SocketError, String(e));
    assert.equal(e.code, "EADDRNOTAVAIL");
    assert.equal(e.address, "192.0.2.99:0");
    return true;
  });
  await using v4 = await udpSocket({ ring });
  await assert.rejects(v4.sendTo(new Uint8Array(1), { hostname: "::1", port: 9 }), {
    name: "TypeError",
    message: /IPv4 socket.*"::1"/,
  });
  await assert.rejects(v4.sendTo(new Uint8Array(1), { hostname: "127.0.0.1", port: -1 }), {
    name: "RangeError",
    message: /-1/,
  });
  await assert.rejects(v4.sendTo("text" as never, v4.addr), { name: "TypeError", message: /"text"/ });
  await assert.rejects(v4.receiveFrom(new Uint16Array(4) as never), {
    name: "TypeError",
    message: /Uint8Array/,
  });
  assert.throws(() => v4.messages({ buffers: 3 }), { name: "RangeError", message: /power of two, got 3/ });
  assert.throws(() => v4.messages({ maxDatagram: 70000 }), { name: "RangeError", message: /70000/ });
  await assert.rejects(v4.sendTo(new Uint8Array(1), { hostname: "10.0.0.256", port: 9 }), {
    name: "TypeError",
    message: /"10\.0\.0\.256"/,
  });
  assert.ok(v4 instanceof UdpSocket);
});

test("setup: socket(2) forced, and through the ring: both carry datagrams", async () => {
  await using ring = AsyncRing.create({ entries: 16 });
  await using a = await udpSocket({ ring, setup: "syscalls" });
  await using b = await udpSocket({ ring, setup: "ring" });
  await a.sendTo(new Uint8Array([1, 2]), b.addr);
  await b.sendTo(new Uint8Array([3]), a.addr);
  assert.deepEqual([...(await b.receiveFrom(new Uint8Array(4))).data], [1, 2]);
  assert.deepEqual([...(await a.receiveFrom(new Uint8Array(4))).data], [3]);
  await assert.rejects(udpSocket({ ring, setup: "kernel" as never }), {
    name: "TypeError",
    message: /"kernel"/,
  });
});

test("messages() before Linux 6.0 says so by name (pretended 5.19)", async () => {
  await using ring = AsyncRing.create({ entries: 8 });
  await using sock = await udpSocket({ ring });
  pretendKernelVersion("5.19");
  try {
    assert.throws(() => sock.messages(), {
      name: "UringError",
      message: /requires Linux 6\.0 \(this is 5\.19\)/,
    });
  } finally {
    pretendKernelVersion(undefined);
  }
});

test("messages() on many sockets of one ring: every datagram arrives (buffer groups added as streams grow)", async () => {
  await using ring = AsyncRing.create({ entries: 256 });
  const N = 24, M = 5;
  const socks = await Promise.all(Array.from({ length: N }, () => udpSocket({ ring })));
  await using tx = await udpSocket({ ring });
  const readers = socks.map((s, i) =>
    (async () => {
      const got: Uint8Array[] = [];
      for await (const d of s.messages({ maxDatagram: 1500, buffers: 16 })) {
        got.push(d.data.slice());
        if (got.length === M) break;
      }
      return got.map((b, k) => assert.deepEqual(b, pattern(100 + i, i * M + k + 1)));
    })()
  );
  for (let k = 0; k < M; k++) {
    for (let i = 0; i < N; i++) await tx.sendTo(pattern(100 + i, i * M + k + 1), socks[i].addr);
  }
  await Promise.all(readers);
  for (const s of socks) await s.close();
});

test("datagrams that arrive after messages() stopped give their buffers back (no double recycle)", async () => {
  await using ring = AsyncRing.create({ entries: 64 });
  await using tx = await udpSocket({ ring });
  for (let round = 0; round < 20; round++) {
    await using rx = await udpSocket({ ring });
    // Datagrams queue up in the multishot while the first one is held; the
    // consumer then stops, so the rest land in the multishot's discard.
    for (let i = 0; i < 8; i++) await tx.sendTo(pattern(512, round * 8 + i + 1), rx.addr);
    for await (const d of rx.messages({ maxDatagram: 1024, buffers: 16 })) {
      assert.equal(d.data.length, 512);
      for (let i = 0; i < 10; i++) await ring.nop();
      break;
    }
    // Still usable afterwards: a new receive gets a new datagram.
    await tx.sendTo(new TextEncoder().encode("after"), rx.addr);
    let last = "";
    for await (const d of rx.messages({ maxDatagram: 1024, buffers: 4 })) {
      last = new TextDecoder().decode(d.data);
      if (last === "after") break;
    }
    assert.equal(last, "after");
  }
});
