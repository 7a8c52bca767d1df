/**
 * Bad socket input is refused before the kernel (TypeError / RangeError
 * quoting the value), and the kernel's refusals are SocketErrors with the
 * errno in words and the address: EADDRINUSE, EACCES, EADDRNOTAVAIL,
 * ECONNREFUSED, ENOENT. Address parsing and formatting.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  AsyncRing,
  connect,
  formatAddr,
  ipVersion,
  listen,
  ResolveError,
  SocketError,
  UringError,
} from "../mod.ts";
import { formatIPv6, parseIPv4, parseIPv6 } from "../src/net/address.ts";
import { isRoot, skipIf, tempDir } from "./_helpers.ts";

function hasIPv6(): boolean {
  try {
    return /^0{31}1 /m.test(readFileSync("/proc/net/if_inet6", "utf8"));
  } catch {
    return false;
  }
}

/** Rejects with `type`, and the message quotes `quoted`. */
async function refuses(p: Promise<unknown>, type: typeof TypeError | typeof RangeError, quoted: string) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof type, `${(e as Error)?.name}: ${(e as Error)?.message} is a ${type.name}`);
    assert.ok((e as Error).message.includes(quoted), `${(e as Error).message} quotes ${quoted}`);
    return true;
  });
}

test("listen() refuses bad options before any system call (TypeError/RangeError quoting the value)", async () => {
  await using ring = AsyncRing.create({ entries: 8 });
  const bad: [Record<string, unknown>, typeof TypeError | typeof RangeError, string][] = [
    [{ port: -1 }, RangeError, "-1 (number)"],
    [{ port: 65536 }, RangeError, "65536 (number)"],
    [{ port: 1.5 }, RangeError, "1.5 (number)"],
    [{ port: NaN }, RangeError, "NaN (number)"],
    [{ port: "80" }, TypeError, '"80" (string)'],
    [{ hostname: "1.2.3.256" }, TypeError, '"1.2.3.256"'],
    [{ hostname: "1.2.3" }, TypeError, '"1.2.3"'],
    [{ hostname: "01.2.3.4" }, TypeError, '"01.2.3.4"'],
    [{ hostname: "1.2.3.4.5" }, TypeError, '"1.2.3.4.5"'],
    [{ hostname: " 1.2.3.4" }, TypeError, '" 1.2.3.4"'],
    [{ hostname: "::g" }, TypeError, '"::g"'],
    [{ hostname: "1::2::3" }, TypeError, '"1::2::3"'],
    [{ hostname: "1:2:3:4:5:6:7:8:9" }, TypeError, '"1:2:3:4:5:6:7:8:9"'],
    [{ hostname: "12345::1" }, TypeError, '"12345::1"'],
    [{ hostname: "::1.2.3.256" }, TypeError, '"::1.2.3.256"'],
    [{ hostname: "[::1" }, TypeError, '"[::1"'],
    [{ hostname: "fe80::1%nosuchif0" }, TypeError, '"nosuchif0"'],
    [{ hostname: "bad host" }, TypeError, '"bad host"'],
    [{ hostname: "" }, TypeError, '"" (string)'],
    [{ hostname: "-leading.example" }, TypeError, '"-leading.example"'],
    [{ hostname: 127 }, TypeError, "127 (number)"],
    [{ path: "x".repeat(108) }, RangeError, "108 bytes"],
    [{ path: "\0" + "x".repeat(108) }, RangeError, "108 bytes"],
    [{ path: "a\0b" }, TypeError, "NUL"],
    [{ path: "" }, TypeError, '"" (string)'],
    [{ path: 5 }, TypeError, "5 (number)"],
    [{ path: "/tmp/x.sock", port: 80 }, TypeError, "port is for TCP"],
    [{ path: "/tmp/x.sock", reusePort: true }, TypeError, "reusePort is for TCP"],
    [{ backlog: -1 }, RangeError, "-1 (number)"],
    [{ backlog: "9" }, TypeError, '"9" (string)'],
    [{ reusePort: "yes" }, TypeError, '"yes" (string)'],
    [{ ipv6Only: 1 }, TypeError, "1 (number)"],
    [{ setup: "fast" }, TypeError, '"fast" (string)'],
    [{ signal: "stop" }, TypeError, '"stop" (string)'],
    [{ hostname: "127.0.0.1", host: "::1" }, TypeError, '"::1"'],
    [{ hots: "127.0.0.1" }, TypeError, '"hots"'],
    [{ timeout: 5 }, TypeError, '"timeout"'],
    [{ transport: "udp" }, TypeError, '"udp"'],
    [{ transport: "unix", port: 0 }, TypeError, 'transport "unix" needs a path'],
    [{ transport: "tcp", path: "/tmp/x.sock" }, TypeError, 'transport "tcp" does not take a path'],
  ];
  for (const [opts, type, quoted] of bad) {
    await refuses(listen({ ring, ...opts } as never), type, quoted);
  }
  await refuses(listen({ ring: {} } as never), TypeError, "an object");
  await refuses(listen(null as never), TypeError, "null");
});

test("connect() refuses bad options before any system call", async () => {
  await using ring = AsyncRing.create({ entries: 8 });
  const bad: [unknown, typeof TypeError | typeof RangeError, string][] = [
    [{ ring }, TypeError, "a port (TCP) or a path"],
    [{ port: 0x10000, ring }, RangeError, "65536 (number)"],
    [{ port: 80, hostname: "300.1.1.1", ring }, TypeError, '"300.1.1.1"'],
    [{ port: 80, hostname: "::1::", ring }, TypeError, '"::1::"'],
    [{ path: "/" + "y".repeat(107), ring }, RangeError, "108 bytes"],
    [{ path: "/tmp/s", port: 80, ring }, TypeError, "port is for TCP"],
    [{ port: 80, ring, fixedFile: true }, TypeError, '"fixedFile"'],
    [{ port: 80, ring, setup: 1 }, TypeError, "1 (number)"],
  ];
  for (const [opts, type, quoted] of bad) await refuses(connect(opts as never), type, quoted);
  await refuses(connect(undefined as never), TypeError, "a port (TCP) or a path");
});

test("Unix paths: 107 bytes (108 with the NUL) and 107-byte abstract names are accepted", async () => {
  using dir = tempDir();
  await using ring = AsyncRing.create({ entries: 16 });
  const path = join(dir.path, "s".repeat(107 - dir.path.length - 1));
  assert.equal(new TextEncoder().encode(path).length, 107);
  await using _server = await listen({ path, ring });
  await (await connect({ path, ring })).close();
  const name = "\0" + "n".repeat(107);
  await using _abs = await listen({ path: name, ring });
  await (await connect({ path: name, ring })).close();
  // Multi-byte characters count as their UTF-8 bytes.
  await refuses(listen({ path: "/tmp/" + "é".repeat(52), ring }), RangeError, "109 bytes");
});

test("EADDRINUSE, EADDRNOTAVAIL, ECONNREFUSED, ENOENT: SocketErrors with words and the address", async () => {
  await using ring = AsyncRing.create({ entries: 16 });
  await using server = await listen({ port: 0, ring });
  const inUse = `127.0.0.1:${server.port}`;
  for (const setup of ["auto", "syscalls"] as const) {
    await assert.rejects(listen({ port: server.port, ring, setup }), (e: unknown) => {
      assert.ok(e instanceof SocketError && e instanceof UringError);
      assert.equal(e.code, "EADDRINUSE");
      assert.equal(e.op, `bind ${inUse}`);
      assert.equal(e.address, inUse);
      assert.match(e.message, /address already in use/);
      assert.match(e.message, /reusePort/);
      return true;
    });
    await assert.rejects(listen({ hostname: "192.0.2.1", port: 0, ring, setup }), (e: unknown) => {
      assert.ok(e instanceof SocketError);
      assert.equal(e.code, "EADDRNOTAVAIL");
      assert.equal(e.address, "192.0.2.1:0");
      assert.match(e.message, /cannot assign requested address\): no network interface/);
      return true;
    });
    if (hasIPv6()) {
      await assert.rejects(
        listen({ hostname: "2001:db8::1", port: 0, ring, setup }),
        (e: unknown) =>
          e instanceof SocketError && e.code === "EADDRNOTAVAIL" && e.address === "[2001:db8::1]:0",
      );
    }
  }
  const port = server.port;
  await server.close();
  await assert.rejects(connect({ port, ring }), (e: unknown) => {
    assert.ok(e instanceof SocketError);
    assert.equal(e.code, "ECONNREFUSED");
    assert.equal(e.address, `127.0.0.1:${port}`);
    assert.match(
      e.message,
      /^connect 127\.0\.0\.1:\d+: ECONNREFUSED \(connection refused\): nothing listens/,
    );
    return true;
  });
  using dir = tempDir();
  const missing = join(dir.path, "nobody-here.sock");
  await assert.rejects(connect({ path: missing, ring }), (e: unknown) => {
    assert.ok(e instanceof SocketError);
    assert.equal(e.code, "ENOENT");
    assert.equal(e.address, missing);
    assert.match(e.message, /no such file or directory\): no socket file at this path/);
    return true;
  });
  await assert.rejects(
    listen({ path: join(dir.path, "no-dir", "s.sock"), ring }),
    (e: unknown) => e instanceof SocketError && e.code === "ENOENT" && e.op.startsWith("bind "),
  );
  // A name that does not resolve: a ResolveError naming it.
  await assert.rejects(
    connect({ hostname: "no-such-host.invalid", port: 80, ring }),
    (e: unknown) => e instanceof ResolveError && e.hostname === "no-such-host.invalid" && /^E/.test(e.code),
  );
});

const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));
const UNPRIVILEGED_START = (() => {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8"));
  } catch {
    return 1024;
  }
})();

test(
  "EACCES on a privileged port, as an unprivileged user (a child run as nobody)",
  {
    skip: skipIf(
      UNPRIVILEGED_START <= 81
        ? `net.ipv4.ip_unprivileged_port_start is ${UNPRIVILEGED_START}: port 81 is not privileged here`
        : isRoot() && !SETPRIV
        ? "running as root without setpriv(1) to drop to nobody"
        : false,
    ),
  },
  async (t) => {
    using dir = tempDir();
    // The child runs as nobody, who may not reach the checkout (a clone in a
    // 0700 mktemp directory): it imports a copy of the package from here.
    const fs = await import("node:fs");
    fs.cpSync(new URL("../src", import.meta.url), join(dir.path, "pkg", "src"), { recursive: true });
    fs.copyFileSync(new URL("../mod.ts", import.meta.url), join(dir.path, "pkg", "mod.ts"));
    fs.mkdirSync(join(dir.path, "pkg", "ffi"));
    fs.copyFileSync(new URL("../ffi/symbols.ts", import.meta.url), join(dir.path, "pkg", "ffi", "symbols.ts"));
    const code = `
      import { listen, SocketError } from ${JSON.stringify(join(dir.path, "pkg", "mod.ts"))};
      try { await listen({ port: 81 }); console.log("bound"); }
      catch (e) { console.log(JSON.stringify({ cls: e instanceof SocketError, code: e.code, address: e.address, message: e.message })); }
    `;
    if (!isRoot()) {
      // Already unprivileged: ask directly (the copy above is not needed).
      await assert.rejects(
        listen({ port: 81 }),
        (e: unknown) => e instanceof SocketError && e.code === "EACCES",
      );
      return;
    }
    const script = join(dir.path, "eacces.ts");
    fs.writeFileSync(script, code);
    fs.chmodSync(dir.path, 0o755);
    const deno = !("Bun" in globalThis);
    // The runtime itself must be reachable by nobody too (it lives in the checkout's node_modules).
    const reach = spawnSync(SETPRIV!, ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "--version"]);
    if (reach.status !== 0) {
      t.diagnostic(`skip: ${process.execPath} is not executable by nobody (a checkout in a private directory)`);
      return;
    }
    const args = [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      process.execPath,
      ...(deno ? ["run", "-A", "--no-lock", "--quiet", script] : [script]),
    ];
    const r = spawnSync(SETPRIV!, args, {
      encoding: "utf8",
      env: { ...process.env, HOME: "/nonexistent", DENO_DIR: join(dir.path, "deno"), NO_COLOR: "1" },
    });
    const line = r.stdout.trim().split("\n").pop() ?? "";
    assert.ok(line.startsWith("{"), `child said: ${r.stdout} ${r.stderr}`);
    const got = JSON.parse(line);
    assert.equal(got.cls, true);
    assert.equal(got.code, "EACCES");
    assert.equal(got.address, "127.0.0.1:81");
    assert.match(got.message, /permission denied\): port 81 is privileged: .*CAP_NET_BIND_SERVICE/);
  },
);

test("address literals: strict IPv4/IPv6 parsing, RFC 5952 formatting, ipVersion, formatAddr", () => {
  assert.deepEqual([...parseIPv4("0.0.0.0")!], [0, 0, 0, 0]);
  assert.deepEqual([...parseIPv4("255.255.255.255")!], [255, 255, 255, 255]);
  for (
    const s of ["256.0.0.1", "1.2.3", "1.2.3.4.", "01.1.1.1", "1.1.1.1 ", "+1.1.1.1", "0x7f.0.0.1", "1..2.3"]
  ) {
    assert.equal(parseIPv4(s), null, s);
  }
  const ok: [string, string][] = [
    ["::", "::"],
    ["::1", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["2001:DB8:0:0:8:800:200C:417A", "2001:db8::8:800:200c:417a"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // the first of equal runs
    ["2001:db8::0:1", "2001:db8::1"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"], // one zero group is not compressed
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
    ["::ffff:c000:0201", "::ffff:192.0.2.1"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ["fe80::1%3", "fe80::1%3"],
  ];
  for (const [input, want] of ok) {
    const p = parseIPv6(input);
    assert.ok(p, input);
    assert.equal(formatIPv6(p.bytes, p.scopeId), want, input);
  }
  for (
    const s of [
      ":",
      ":::",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "::1::",
      "1:::2",
      "g::",
      "1:2:3:4:5:6:1.2.3.4:8",
      "::%",
      "::1%",
    ]
  ) {
    assert.equal(parseIPv6(s), null, s);
  }
  assert.equal(parseIPv6("fe80::1%lo")?.scopeId, 1);
  assert.equal(ipVersion("127.0.0.1"), 4);
  assert.equal(ipVersion("[::1]"), 6);
  assert.equal(ipVersion("localhost"), 0);
  assert.equal(ipVersion("1.2.3.256"), 0);
  assert.equal(formatAddr({ transport: "tcp", hostname: "::1", port: 8, family: "IPv6" }), "[::1]:8");
  assert.equal(
    formatAddr({ transport: "udp", hostname: "10.0.0.1", port: 53, family: "IPv4" }),
    "10.0.0.1:53",
  );
  assert.equal(formatAddr({ transport: "unix", path: "/run/s" }), "/run/s");
  assert.equal(formatAddr({ transport: "unix", path: "\0name" }), "@name");
});
