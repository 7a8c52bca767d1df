/**
 * Every socket kind through listen/connect, on both ways of making sockets
 * (through the ring, and the libc fallback forced with `setup: "syscalls"`):
 * IPv4, IPv6, dual-stack on "::", host names, Unix paths and abstract names,
 * stale socket files, reusePort, signal.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import process from "node:process";
import { setImmediate } from "node:timers";
import { lookup } from "node:dns/promises";
import { hostname as osHostname } from "node:os";
import { join } from "node:path";
import {
  type Addr,
  AsyncRing,
  connect,
  kernelAtLeast,
  listen,
  type NetAddr,
  SocketError,
  type TcpConn,
  TcpListener,
  type UnixAddr,
} from "../mod.ts";
import { pretendKernelVersion } from "../src/errors/hints.ts";
import { sysBind, sysClose, sysListen, sysSocket } from "../src/runtime/sockets.ts";
import { encodeUnix } from "../src/net/address.ts";
import { pattern, skipIf, tempDir } from "./_helpers.ts";

const SETUPS = ["auto", "syscalls"] as const;
const RING_LISTENS = kernelAtLeast("6.11");

function hasIPv6(): boolean {
  try {
    return /^0{31}1 /m.test(readFileSync("/proc/net/if_inet6", "utf8"));
  } catch {
    return false;
  }
}
const NO_IPV6 = hasIPv6() ? false : "no IPv6 loopback (::1) on this host";

/** Send `data` from `from` and read it back on `to`, verified byte for byte. */
async function roundTrip(from: TcpConn, to: TcpConn, data: Uint8Array): Promise<void> {
  const got = new Uint8Array(data.length);
  let n = 0;
  const reader = (async () => {
    for await (const chunk of to.chunks()) {
      got.set(chunk, n);
      n += chunk.length;
      if (n >= data.length) break;
    }
  })();
  await Promise.all([from.sendAll(data), reader]);
  assert.equal(n, data.length);
  assert.deepEqual(got, data);
}

function unmapped(addr: Addr): Addr {
  if (addr.transport === "unix" || !addr.hostname.startsWith("::ffff:") || !addr.hostname.includes(".")) {
    return addr;
  }
  return { ...addr, hostname: addr.hostname.slice(7), family: "IPv4" };
}

/** Accept one connection while `client` connects; echo both ways. */
async function pair(server: TcpListener, client: () => Promise<TcpConn>): Promise<void> {
  const [a, b] = await Promise.all([server.accept(), client()]);
  try {
    // Each end's addresses mirror the other's (an IPv4 peer of a dual-stack
    // socket shows as IPv4-mapped IPv6, "::ffff:127.0.0.1", as in node:net).
    assert.deepEqual(unmapped(a.remoteAddr), unmapped(b.localAddr));
    assert.deepEqual(unmapped(b.remoteAddr), unmapped(a.localAddr));
    if (server.addr.transport === "unix") {
      assert.deepEqual(b.remoteAddr, server.addr);
      assert.deepEqual(b.localAddr, { transport: "unix", path: "" }); // an unnamed client
    } else {
      assert.equal((a.localAddr as NetAddr).port, server.port);
    }
    await roundTrip(b, a, pattern(100_000, 7));
    await roundTrip(a, b, pattern(3_000, 9));
  } finally {
    await a.close();
    await b.close();
  }
}

for (const setup of SETUPS) {
  const label = `[setup: ${setup}]`;
  const create = () => AsyncRing.create({ entries: 64 });
  const wantVia = setup === "syscalls" || !RING_LISTENS ? "syscalls" : "ring";

  test(`${label} IPv4: listen on port 0 reports the bound port; data round-trips`, async () => {
    await using ring = create();
    await using server = await listen({ hostname: "127.0.0.1", port: 0, ring, setup });
    assert.equal(server._via, wantVia);
    const addr = server.addr as NetAddr;
    assert.deepEqual(addr, { transport: "tcp", hostname: "127.0.0.1", port: server.port, family: "IPv4" });
    assert.ok(server.port > 0 && server.port < 65536);
    await pair(server, () => connect({ hostname: "127.0.0.1", port: server.port, ring, setup }));
  });

  test(`${label} IPv6: listen on ::1, connect to ::1 and [::1]`, { skip: skipIf(NO_IPV6) }, async () => {
    await using ring = create();
    await using server = await listen({ hostname: "::1", port: 0, ring, setup });
    assert.deepEqual(server.addr, { transport: "tcp", hostname: "::1", port: server.port, family: "IPv6" });
    await pair(server, () => connect({ hostname: "::1", port: server.port, ring, setup }));
    await pair(server, () => connect({ hostname: "[::1]", port: server.port, ring, setup }));
  });

  test(
    `${label} dual-stack: a listener on :: takes IPv4 and IPv6 clients`,
    { skip: skipIf(NO_IPV6) },
    async () => {
      await using ring = create();
      await using server = await listen({ hostname: "::", port: 0, ring, setup });
      assert.equal((server.addr as NetAddr).family, "IPv6");
      await pair(server, () => connect({ hostname: "127.0.0.1", port: server.port, ring, setup }));
      await pair(server, () => connect({ hostname: "::1", port: server.port, ring, setup }));
      // ipv6Only: the IPv4 client is refused.
      await using v6only = await listen({ hostname: "::", port: 0, ipv6Only: true, ring, setup });
      await pair(v6only, () => connect({ hostname: "::1", port: v6only.port, ring, setup }));
      await assert.rejects(
        connect({ hostname: "127.0.0.1", port: v6only.port, ring, setup }),
        (e: unknown) => e instanceof SocketError && e.code === "ECONNREFUSED",
      );
    },
  );

  test(`${label} Unix path: listen, connect, round-trip; close removes the socket file`, async () => {
    using dir = tempDir();
    await using ring = create();
    const path = join(dir.path, "s.sock");
    const server = await listen({ path, ring, setup });
    assert.equal(server._via, wantVia);
    assert.deepEqual(server.addr, { transport: "unix", path });
    assert.equal(server.port, 0);
    assert.ok(statSync(path).isSocket());
    await pair(server, () => connect({ path, ring, setup }));
    // Deno's spelling: transport "unix".
    await pair(server, () => connect({ transport: "unix", path, ring, setup }));
    await server.close();
    assert.equal(existsSync(path), false, "close() removed the socket file");
  });

  test(`${label} Unix abstract name: no file, round-trip, name reported`, async () => {
    await using ring = create();
    const path = `\0jsuring-test-${process.pid}-${setup}`;
    await using server = await listen({ path, ring, setup });
    assert.equal((server.addr as UnixAddr).path, path);
    await pair(server, () => connect({ path, ring, setup }));
    // The name is taken while the listener lives.
    await assert.rejects(
      listen({ path, ring, setup }),
      (e: unknown) =>
        e instanceof SocketError && e.code === "EADDRINUSE" && e.address === path.replace("\0", "@"),
    );
  });

  test(`${label} a stale Unix socket file is replaced; a live one or a regular file is not`, async () => {
    using dir = tempDir();
    await using ring = create();
    // Stale: a socket bound and closed without unlink, as a crashed server leaves it.
    const stale = join(dir.path, "stale.sock");
    const fd = sysSocket(1, 1, 0);
    assert.equal(sysBind(fd, encodeUnix(stale, "path")), 0);
    sysClose(fd);
    assert.ok(statSync(stale).isSocket());
    await assert.rejects(
      connect({ path: stale, ring, setup }),
      (e: unknown) => e instanceof SocketError && e.code === "ECONNREFUSED" && e.address === stale,
    );
    await using server = await listen({ path: stale, ring, setup });
    await pair(server, () => connect({ path: stale, ring, setup }));
    // Live: the second listener fails and the first keeps working. The
    // liveness check was a connect: the first one sees it, already closed.
    await assert.rejects(
      listen({ path: stale, ring, setup }),
      (e: unknown) => e instanceof SocketError && e.code === "EADDRINUSE" && e.address === stale,
    );
    const probe = await server.accept();
    for await (const _ of probe.chunks()) assert.fail("the probe sends nothing");
    await probe.close();
    await pair(server, () => connect({ path: stale, ring, setup }));
    // A regular file is never removed.
    const file = join(dir.path, "file");
    writeFileSync(file, "keep me");
    await assert.rejects(
      listen({ path: file, ring, setup }),
      (e: unknown) => e instanceof SocketError && e.code === "EADDRINUSE",
    );
    assert.equal(readFileSync(file, "utf8"), "keep me");
    assert.ok(statSync(file).isFile());
  });

  test(`${label} two reusePort listeners on one port both receive connections`, async () => {
    await using ring = create();
    await using first = await listen({ port: 0, reusePort: true, ring, setup });
    await using second = await listen({ port: first.port, reusePort: true, ring, setup });
    assert.equal(second.port, first.port);
    const counts = [0, 0];
    const loops = [first, second].map(async (server, i) => {
      for await (const c of server) {
        counts[i]++;
        await c.close();
      }
    });
    // The kernel spreads connections by a hash of the 4-tuple: keep
    // connecting until each listener has had one (bounded, no clock).
    const clients: TcpConn[] = [];
    for (let i = 0; i < 500 && (counts[0] === 0 || counts[1] === 0); i++) {
      clients.push(await connect({ port: first.port, ring, setup }));
      // Let the accepts run before deciding whether to go on.
      for (let k = 0; k < 4; k++) await new Promise((r) => setImmediate(r));
    }
    for (const c of clients) await c.close();
    await first.close();
    await second.close();
    await Promise.all(loops);
    assert.ok(counts[0] > 0 && counts[1] > 0, `both listeners accepted (${counts})`);
    // Without reusePort on both, the port is taken.
    await using third = await listen({ port: 0, ring, setup });
    await assert.rejects(
      listen({ port: third.port, reusePort: true, ring, setup }),
      (e: unknown) => e instanceof SocketError && e.code === "EADDRINUSE",
    );
  });

  test(`${label} signal: aborting closes the listener and ends its accept loop cleanly`, async () => {
    await using ring = create();
    const ac = new AbortController();
    const server = await listen({ port: 0, signal: ac.signal, ring, setup });
    let accepted = 0;
    const loop = (async () => {
      for await (const c of server) {
        accepted++;
        await c.close();
      }
    })();
    const c = await connect({ port: server.port, ring, setup });
    while (accepted === 0) await new Promise((r) => setImmediate(r));
    ac.abort();
    await loop; // ends, does not throw
    assert.equal(server.fd, -1);
    await c.close();
    await assert.rejects(
      connect({ port: server.port, ring, setup }),
      (e: unknown) => e instanceof SocketError && e.code === "ECONNREFUSED",
    );
    // An already-aborted signal rejects listen() with its reason.
    await assert.rejects(
      listen({ port: 0, signal: AbortSignal.abort(new Error("stop")), ring, setup }),
      (e: Error) => e.message === "stop",
    );
  });
}

test("a host name resolves through node:dns (the machine's own name)", async (t) => {
  const name = osHostname();
  const found = await lookup(name).catch(() => undefined);
  if (!found || !/^[A-Za-z0-9.-]+$/.test(name) || (found.family === 6 && NO_IPV6)) {
    return t.skip(`the host name ${JSON.stringify(name)} does not resolve here`);
  }
  await using ring = AsyncRing.create({ entries: 64 });
  await using server = await listen({ hostname: name, port: 0, ring });
  assert.equal((server.addr as NetAddr).hostname, found.address);
  await pair(server, () => connect({ hostname: name, port: server.port, ring }));
  // "localhost" is loopback without a lookup.
  await using local = await listen({ hostname: "localhost", port: 0, ring });
  assert.equal((local.addr as NetAddr).hostname, "127.0.0.1");
});

test("auto setup takes the libc fallback on kernels before 6.11 (pretended)", async () => {
  // Pretend only on 6.6+: pretending a newer kernel than the real one (6.1)
  // makes the ring ask for NO_MMAP/NO_SQARRAY (io_uring_setup EINVAL).
  if (kernelAtLeast("6.6")) pretendKernelVersion("6.6");
  try {
    await using ring = AsyncRing.create({ entries: 64 });
    await using server = await listen({ port: 0, ring });
    assert.equal(server._via, "syscalls");
    await pair(server, () => connect({ port: server.port, ring }));
  } finally {
    pretendKernelVersion(undefined);
  }
});

test("setup: 'ring' follows the probe, not a pretended version (the pretend only steers 'auto')", async () => {
  if (kernelAtLeast("6.6")) pretendKernelVersion("6.6"); // (as above)
  try {
    await using ring = AsyncRing.create({ entries: 64 });
    const probed = ring.ring.probe();
    if (!probed.has("BIND") || !probed.has("LISTEN")) {
      // A kernel without them: "ring" names what is missing.
      await assert.rejects(
        listen({ port: 0, ring, setup: "ring" }),
        /requires Linux 6\.11|does not offer it/,
      );
      return;
    }
    await using server = await listen({ port: 0, ring, setup: "ring" });
    assert.equal(server._via, "ring");
    await pair(server, () => connect({ port: server.port, ring, setup: "ring" }));
  } finally {
    pretendKernelVersion(undefined);
  }
});

test("a listening socket made elsewhere (a server's worker) reports its real address", {
  skip: skipIf(NO_IPV6),
}, async () => {
  await using ring = AsyncRing.create({ entries: 64 });
  const fd = sysSocket(10, 1 | 0o2000000, 0); // AF_INET6, SOCK_STREAM | SOCK_CLOEXEC
  assert.ok(fd >= 0);
  const sa = new Uint8Array(28);
  sa[0] = 10; // AF_INET6, port 0, address :: (dual-stack where bindv6only=0)
  assert.equal(sysBind(fd, sa), 0);
  assert.equal(sysListen(fd, 16), 0);
  const adopted = new TcpListener(fd, 0, ring);
  const addr = adopted.addr as NetAddr;
  assert.equal(addr.family, "IPv6");
  assert.equal(addr.hostname, "::");
  assert.ok(addr.port > 0);
  await pair(adopted, () => connect({ hostname: "::1", port: addr.port, ring }));
  await adopted.close();
});
