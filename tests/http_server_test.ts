// The file server against real clients: curl for every HTTP/1.1 case of
// issue 13 point 2, raw sockets for pipelining, malformed requests, the
// traversal list and slowloris; graceful shutdown with requests in flight.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type FileServer, serveDir } from "../mod.ts";
import { curl, type Fixture, fixture, parseResponses, raw, SECRET, sleep } from "./_http.ts";

// bun runs node:test with a 5 s default: these start servers, threads and processes under load.
const T = { timeout: 120_000 };

const fx: Fixture = fixture();
let server: FileServer;
let U = "";

async function start(extra: Parameters<typeof serveDir>[0] | object = {}): Promise<FileServer> {
  return await serveDir({ root: fx.root, port: 0, hostname: "127.0.0.1", ...extra });
}

test("file server: start", T, async () => {
  server = await start({ limits: { headerTimeout: 1500, idleTimeout: 5000 } });
  assert.ok(server.port > 0);
  U = `http://127.0.0.1:${server.port}`;
  assert.equal(server.url, `${U}/`);
});

test("GET: status, headers and bytes (small file from memory, large file in chunks)", T, async () => {
  const r = await curl([`${U}/a.txt`]);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(r.headers.get("content-length"), String(fx.small.length));
  assert.equal(r.headers.get("accept-ranges"), "bytes");
  assert.match(r.headers.get("etag")!, /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
  assert.match(r.headers.get("last-modified")!, / GMT$/);
  assert.match(r.headers.get("date")!, / GMT$/);
  assert.equal(new TextDecoder().decode(r.body), fx.small);
  const b = await curl([`${U}/big.bin`]);
  assert.equal(b.status, 200);
  assert.equal(b.headers.get("content-length"), String(fx.big.length));
  assert.deepEqual(b.body, fx.big);
  const css = await curl([`${U}/sub/x.css`]);
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  const enc = await curl([`${U}/sub/a%20b%20%E2%9C%93.txt`]);
  assert.equal(enc.status, 200);
  assert.equal(new TextDecoder().decode(enc.body), "spaced\n");
  const lit = await curl(["--path-as-is", `${U}/%252e%252e`]);
  assert.equal(lit.status, 200, "double-encoded dots are a literal file name");
  assert.equal(new TextDecoder().decode(lit.body), "literal name\n");
});

test(
  "large files by splice (file → pipe → socket): whole, ranges across pipefuls, pool exhausted, splice off",
  T,
  async () => {
    const big = fx.big;
    // Ranges that cross the 1 MiB pipeful boundary, and a tail of one byte.
    const ranges: [number, number][] = [[1048000, 1049999], [0, 1048576], [big.length - 1, big.length - 1]];
    for (const splicePipes of [1, 0]) {
      await using s = await start({ splicePipes });
      const u = `http://127.0.0.1:${s.port}`;
      // Four at once with one pipe: they take turns (no connection goes without).
      const all = await Promise.all([1, 2, 3, 4].map(() => curl([`${u}/big.bin`])));
      for (const r of all) {
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, big, `splicePipes ${splicePipes}: the whole body, byte for byte`);
      }
      for (const [a, b] of ranges) {
        const r = await curl(["-H", `Range: bytes=${a}-${b}`, `${u}/big.bin`]);
        assert.equal(r.status, 206);
        assert.equal(r.headers.get("content-range"), `bytes ${a}-${b}/${big.length}`);
        assert.deepEqual(r.body, big.subarray(a, b + 1));
      }
      // Keep-alive: the next request on the connection after a spliced body.
      const two = await curl([`${u}/big.bin`, `${u}/a.txt`]);
      assert.deepEqual(two.statuses, [200, 200]);
    }
    await assert.rejects(start({ splicePipes: -1 }), RangeError);
  },
);

test("HTTP/1.0 closes by default, keeps alive on request; HTTP/1.1 reuses the connection", T, async () => {
  const r = await curl(["--http1.0", `${U}/a.txt`, `${U}/a.txt`]);
  assert.deepEqual(r.statuses, [200, 200]);
  assert.equal(r.headers.get("connection"), "close");
  // Kept alive: a second request on the same connection is answered (no
  // time window: a 500 ms read was too short in the emulated 6.12 guest).
  const ka = await raw(
    server.port,
    "GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /a.txt HTTP/1.0\r\n\r\n",
  );
  assert.match(ka.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(ka.text, /\r\nConnection: keep-alive\r\n/);
  assert.deepEqual(
    parseResponses(ka.bytes).statuses,
    [200, 200],
    "HTTP/1.0 keep-alive: the connection stays open",
  );
  assert.equal(ka.closed, true, "the second request, without keep-alive, closes it");
  const before = server.counters.accepted;
  const k = await curl([`${U}/a.txt`, `${U}/big.bin`, `${U}/a.txt`]);
  assert.deepEqual(k.statuses, [200, 200, 200]);
  assert.equal(server.counters.accepted - before, 1, "three requests, one connection");
  const close = await raw(server.port, "GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.equal(close.closed, true);
  assert.match(close.text, /\r\nConnection: close\r\n/);
});

test("pipelined requests are answered in order", T, async () => {
  const reqs = ["/a.txt", "/sub/x.css", "/nope", "/index.html", "/a.txt"]
    .map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join("") +
    "HEAD /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const r = await raw(server.port, reqs);
  assert.equal(r.closed, true);
  const p = parseResponses(r.bytes);
  assert.deepEqual(p.statuses, [200, 200, 404, 200, 200, 200]);
  const bodies = r.text.split(/HTTP\/1\.1 /).slice(1);
  assert.ok(bodies[0].endsWith(fx.small) && bodies[1].endsWith("body{}\n") && bodies[3].includes("home"));
  assert.ok(bodies[5].endsWith("\r\n\r\n"), "HEAD: no body");
  // Split across writes at awkward places.
  const one = "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n";
  const parts = [
    one.slice(0, 5),
    one.slice(5) + one + one.slice(0, 3),
    one.slice(3) + "GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  ];
  const s = await raw(server.port, parts);
  assert.deepEqual(parseResponses(s.bytes).statuses, [200, 200, 200, 200]);
});

test("Range: single, open, suffix, multi (whole body), unsatisfiable, If-Range", T, async () => {
  const size = fx.big.length;
  const r1 = await curl(["-r", "0-9", `${U}/big.bin`]);
  assert.equal(r1.status, 206);
  assert.equal(r1.headers.get("content-range"), `bytes 0-9/${size}`);
  assert.deepEqual(r1.body, fx.big.subarray(0, 10));
  const r2 = await curl(["-r", `${size - 100}-`, `${U}/big.bin`]);
  assert.equal(r2.headers.get("content-range"), `bytes ${size - 100}-${size - 1}/${size}`);
  assert.deepEqual(r2.body, fx.big.subarray(size - 100));
  const r3 = await curl(["-r", "-7", `${U}/a.txt`]);
  assert.equal(r3.status, 206);
  assert.equal(new TextDecoder().decode(r3.body), fx.small.slice(-7));
  const r4 = await curl(["-r", "1000000-1200000", `${U}/big.bin`]);
  assert.deepEqual(r4.body, fx.big.subarray(1000000, 1200001));
  const multi = await curl(["-r", "0-1,5-6", `${U}/a.txt`]);
  assert.equal(multi.status, 200);
  assert.equal(new TextDecoder().decode(multi.body), fx.small);
  const bad = await curl(["-r", `${size}-`, `${U}/big.bin`]);
  assert.equal(bad.status, 416);
  assert.equal(bad.headers.get("content-range"), `bytes */${size}`);
  const etag = r1.headers.get("etag")!;
  const ir = await curl(["-r", "0-4", "-H", `If-Range: ${etag}`, `${U}/big.bin`]);
  assert.equal(ir.status, 206);
  const irOld = await curl(["-r", "0-4", "-H", 'If-Range: "old"', `${U}/big.bin`]);
  assert.equal(irOld.status, 200);
  assert.equal(irOld.body.length, size);
  const lm = r1.headers.get("last-modified")!;
  assert.equal((await curl(["-r", "0-4", "-H", `If-Range: ${lm}`, `${U}/big.bin`])).status, 206);
});

test("conditionals: If-None-Match, If-Modified-Since → 304; If-Match → 412; precedence", T, async () => {
  const first = await curl([`${U}/a.txt`]);
  const etag = first.headers.get("etag")!, lm = first.headers.get("last-modified")!;
  const inm = await curl(["-H", `If-None-Match: ${etag}`, `${U}/a.txt`]);
  assert.equal(inm.status, 304);
  assert.equal(inm.headers.get("etag"), etag);
  assert.equal(inm.body.length, 0);
  assert.equal(inm.headers.has("content-length"), false);
  assert.equal((await curl(["-H", `If-None-Match: "x", W/${etag}`, `${U}/a.txt`])).status, 304);
  assert.equal((await curl(["-H", `If-Modified-Since: ${lm}`, `${U}/a.txt`])).status, 304);
  assert.equal(
    (await curl(["-H", "If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT", `${U}/a.txt`])).status,
    200,
  );
  assert.equal(
    (await curl(["-H", 'If-None-Match: "other"', "-H", `If-Modified-Since: ${lm}`, `${U}/a.txt`])).status,
    200,
    "If-None-Match takes precedence over If-Modified-Since",
  );
  assert.equal((await curl(["-H", 'If-Match: "other"', `${U}/a.txt`])).status, 412);
  assert.equal((await curl(["-H", `If-Match: ${etag}`, `${U}/a.txt`])).status, 200);
  assert.equal(
    (await curl(["-H", "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT", `${U}/a.txt`])).status,
    412,
  );
});

test("HEAD has the headers and no body", T, async () => {
  const r = await raw(server.port, "HEAD /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const p = parseResponses(r.bytes);
  assert.equal(p.status, 200);
  assert.equal(p.headers.get("content-length"), String(fx.big.length));
  assert.ok(r.text.endsWith("\r\n\r\n"), "nothing after the head");
  const c = await curl(["-I", `${U}/a.txt`]);
  assert.equal(c.status, 200);
  assert.equal(c.headers.get("content-length"), String(fx.small.length));
});

test("index.html, trailing-slash redirect, directories without index", T, async () => {
  const root = await curl([`${U}/`]);
  assert.equal(root.status, 200);
  assert.match(new TextDecoder().decode(root.body), /home/);
  const docs = await curl([`${U}/docs`]);
  assert.equal(docs.status, 301);
  assert.equal(docs.headers.get("location"), "/docs/");
  const q = await curl([`${U}/docs?x=1`]);
  assert.equal(q.headers.get("location"), "/docs/?x=1");
  assert.match(new TextDecoder().decode((await curl(["-L", `${U}/docs`])).body), /docs/);
  assert.equal((await curl([`${U}/sub/`])).status, 404, "no index, no listing");
  assert.equal((await curl([`${U}/a.txt/`])).status, 404, "a file is not a directory");
  assert.equal((await curl([`${U}/missing.txt`])).status, 404);
});

test("dotfiles are hidden unless enabled; the listing when enabled", T, async () => {
  assert.equal((await curl([`${U}/.env`])).status, 404);
  assert.equal((await curl([`${U}/.git/config`])).status, 404);
  assert.equal((await curl(["--path-as-is", `${U}/sub/../.env`])).status, 404);
  await using s = await start({ dotfiles: true, listing: true });
  const env = await curl([`http://127.0.0.1:${s.port}/.env`]);
  assert.equal(env.status, 200);
  assert.equal(new TextDecoder().decode(env.body), "DOTFILE-SECRET\n");
  const list = await curl([`http://127.0.0.1:${s.port}/sub/`]);
  assert.equal(list.status, 200);
  assert.match(list.headers.get("content-type")!, /^text\/html/);
  assert.match(new TextDecoder().decode(list.body), /href="\/sub\/a%20b%20%E2%9C%93.txt"/);
});

test("each error status, with a tiny body, and the server keeps serving", T, async () => {
  const cases: [string, number][] = [
    ["GET / HTTP/1.1\r\n\r\n", 400],
    ["GARBAGE\r\n\r\n", 400],
    ["POST /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405],
    ["GET /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413],
    [`GET /${"a".repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
    [`GET / HTTP/1.1\r\nHost: x\r\nX: ${"v".repeat(17000)}\r\n\r\n`, 431],
    [`GET / HTTP/1.1\r\nHost: x\r\n${"X-A: 1\r\n".repeat(101)}\r\n`, 431],
    ["BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 501],
    ["POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 411],
    ["POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc", 400],
    ["GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],
    ["GET /a%00.txt HTTP/1.1\r\nHost: x\r\n\r\n", 400],
  ];
  for (const [req, status] of cases) {
    const r = await raw(server.port, req);
    const p = parseResponses(r.bytes);
    assert.equal(p.status, status, JSON.stringify(req.slice(0, 60)));
    assert.equal(r.closed, true, `${status}: the connection is closed`);
    assert.ok(p.body.length < 64, "a tiny body");
  }
  const allow = parseResponses(
    (await raw(server.port, "DELETE /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).bytes,
  );
  assert.equal(allow.headers.get("allow"), "GET, HEAD");
  // Random bytes: a 4xx or a close, never a crash.
  for (let seed = 1; seed <= 20; seed++) {
    // Line ends at the end, so each is judged at once (not at the header timeout).
    const junk = new Uint8Array(304).map((_, i) =>
      i >= 300 ? (i % 2 ? 10 : 13) : (seed * 131 + i * 7919) % 256
    );
    const r = await raw(server.port, junk, 3000);
    assert.ok(r.closed, `seed ${seed}: closed`);
    if (r.bytes.length) assert.match(r.text, /^HTTP\/1\.1 4\d\d /);
  }
  assert.equal((await curl([`${U}/a.txt`])).status, 200, "still serving");
});

test("traversal list: never a byte from outside the root", T, async () => {
  const attempts = [
    "/../secret.txt",
    "/../../../../etc/passwd",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/..%2fsecret.txt",
    "/%252e%252e/secret.txt",
    "/%252e%252e%252fsecret.txt",
    "/..\\secret.txt",
    "/%5c..%5csecret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/%c0%ae%c0%ae%c0%afsecret.txt",
    "/%e0%80%ae%e0%80%ae/secret.txt",
    "/a.txt%00/../../secret.txt",
    "/out-link.txt",
    "/out-dir/secret.txt",
    "/out-dir/www/a.txt",
    "http://x/../secret.txt",
    "//etc/passwd",
    "/./../secret.txt",
    "/docs/../../secret.txt",
    "/docs/%2e%2e/%2e%2e/secret.txt",
  ];
  for (const t of attempts) {
    const r = await raw(server.port, `GET ${t} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const p = parseResponses(r.bytes);
    assert.ok(p.status === 400 || p.status === 404, `${t}: ${p.status}`);
    assert.ok(!r.text.includes(SECRET) && !r.text.includes("root:"), `${t}: leaked`);
    const c = await curl(["--path-as-is", `${U}${t.startsWith("/") ? t : "/" + t}`]);
    assert.ok(!latinIncludes(c.body, SECRET), `${t} (curl): leaked`);
  }
});

test("symlinks: none followed by default; with followSymlinks only those inside the root", T, async () => {
  assert.equal((await curl([`${U}/in-link.txt`])).status, 404);
  assert.equal((await curl([`${U}/docs/in-dir/x.css`])).status, 404);
  await using s = await start({ followSymlinks: true });
  const u = `http://127.0.0.1:${s.port}`;
  const r = await curl([`${u}/in-link.txt`]);
  assert.equal(r.status, 200);
  assert.equal(new TextDecoder().decode(r.body), fx.small);
  assert.equal((await curl([`${u}/docs/in-dir/x.css`])).status, 200);
  for (const t of ["/out-link.txt", "/out-dir/secret.txt", "/out-dir/www/a.txt"]) {
    const o = await curl([`${u}${t}`]);
    assert.equal(o.status, 404, t);
    assert.ok(!latinIncludes(o.body, SECRET));
  }
});

function latinIncludes(b: Uint8Array, s: string): boolean {
  return new TextDecoder().decode(b).includes(s);
}

test(
  "slowloris: a head dribbled byte by byte is cut at the header timeout, others are served",
  T,
  async () => {
    const { connect } = await import("node:net");
    const timeoutsBefore = server.counters.timeouts;
    const slow = Array.from(
      { length: 5 },
      () =>
        new Promise<{ closedAfter: number; sent: number }>((resolve) => {
          const t0 = Date.now();
          const sock = connect({ port: server.port, host: "127.0.0.1" });
          const req = "GET /a.txt HTTP/1.1\r\nHost: x\r\nX-Slow: " + "z".repeat(100) + "\r\n\r\n";
          let i = 0;
          const timer = setInterval(() => {
            if (i < req.length && !sock.destroyed) sock.write(req[i++]);
          }, 100);
          const end = () => {
            clearInterval(timer);
            sock.destroy();
            resolve({ closedAfter: Date.now() - t0, sent: i });
          };
          sock.on("close", end);
          sock.on("error", end);
          sock.on("data", () => {}); // a 408-less close is expected, nothing is answered
        }),
    );
    // Meanwhile the server answers others at once.
    for (let k = 0; k < 10; k++) assert.equal((await curl([`${U}/a.txt`])).status, 200);
    const results = await Promise.all(slow);
    for (const r of results) {
      assert.ok(r.sent < 130, `closed before the head was complete (sent ${r.sent} bytes)`);
    }
    assert.ok(server.counters.timeouts - timeoutsBefore >= 5);
  },
);

test("a file changed or deleted while served: no stale length, no crash", T, async () => {
  await using s = await start({ revalidate: 0, smallFileSize: 1024 });
  const u = `http://127.0.0.1:${s.port}`;
  const p = join(fx.root, "changing.txt");
  // A miss is remembered only as long as revalidate allows (0: not at all).
  assert.equal((await curl([`${u}/changing.txt`])).status, 404);
  writeFileSync(p, "version one\n");
  assert.equal(new TextDecoder().decode((await curl([`${u}/changing.txt`])).body), "version one\n");
  writeFileSync(p, "version two, longer\n");
  const two = await curl([`${u}/changing.txt`]);
  assert.equal(two.headers.get("content-length"), "20");
  assert.equal(new TextDecoder().decode(two.body), "version two, longer\n");
  unlinkSync(p);
  assert.equal((await curl([`${u}/changing.txt`])).status, 404);
  // A large file truncated while a slow client reads it: the connection ends
  // short (the promised length cannot be kept), the server goes on.
  const big = join(fx.root, "shrinking.bin");
  // Larger than the socket buffers between server and client can hold.
  const size = 48 * 1024 * 1024;
  writeFileSync(big, new Uint8Array(size).fill(7));
  const slow = curl(["--limit-rate", "8M", `${u}/shrinking.bin`]);
  await sleep(300);
  truncateSync(big, 1000);
  const r = await slow;
  assert.ok(r.body.length < size, `not the whole old length (${r.body.length})`);
  const after = await curl([`${u}/shrinking.bin`]);
  assert.equal(after.headers.get("content-length"), "1000");
  assert.equal(after.body.length, 1000);
  rmSync(big);
});

test("fetch handler: routes, methods and bodies the static layer does not serve", T, async () => {
  await using s = await start({
    fetch: async (req: Request) => {
      const url = new URL(req.url);
      if (url.pathname === "/api/echo") {
        return new Response(await req.text(), { headers: { "x-method": req.method } });
      }
      if (url.pathname === "/api/bytes") return new Response(new Uint8Array([1, 2, 3]));
      if (url.pathname === "/api/stream") {
        let i = 0;
        return new Response(
          new ReadableStream({
            pull(c) {
              if (i++ < 40) c.enqueue(new Uint8Array(4096).fill(65 + (i % 26)));
              else c.close();
            },
          }),
        );
      }
      if (url.pathname === "/api/throw") throw new Error("boom");
      return new Response("routed " + url.pathname, { status: 404 });
    },
  });
  const u = `http://127.0.0.1:${s.port}`;
  assert.equal((await curl([`${u}/a.txt`])).status, 200, "static files first");
  const echo = await curl(["-X", "PUT", "--data-binary", "payload", `${u}/api/echo`]);
  assert.equal(echo.status, 200);
  assert.equal(echo.headers.get("x-method"), "PUT");
  assert.equal(new TextDecoder().decode(echo.body), "payload");
  assert.deepEqual([...(await curl([`${u}/api/bytes`])).body], [1, 2, 3]);
  const st = await curl([`${u}/api/stream`]);
  assert.equal(st.headers.get("transfer-encoding"), "chunked");
  assert.equal(st.body.length > 0, true);
  const body = new TextDecoder().decode(
    await fetch(`${u}/api/stream`).then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b)),
  );
  assert.equal(body.length, 40 * 4096);
  assert.equal((await curl([`${u}/api/throw`])).status, 500);
  const miss = await curl([`${u}/nothing`]);
  assert.equal(miss.status, 404);
  assert.equal(new TextDecoder().decode(miss.body), "routed /nothing");
});

test("graceful shutdown: requests in flight complete, then it stops", T, async () => {
  const s = await start();
  const u = `http://127.0.0.1:${s.port}`;
  const idle = raw(s.port, "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", 10_000); // then idles
  const slow = curl(["--limit-rate", "4M", `${u}/big.bin`]);
  // Shut down once both requests have reached the server (not after a fixed
  // delay, which under load can fire before curl has connected).
  while (s.counters.requests < 2) await sleep(10);
  await s.shutdown();
  const r = await slow;
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, fx.big, "the download in flight completed");
  const i = await idle;
  assert.equal(i.closed, true, "idle keep-alive connections are closed");
  assert.equal(s.counters.connections, 0);
  await s.finished;
  const after = await curl([`${u}/a.txt`]).catch(() => undefined);
  assert.ok(!after || after.status === 0, "no longer accepting");
});

test(
  "idle and send timeouts close connections; clients that vanish mid-response cost nothing",
  T,
  async () => {
    await using s = await start({ limits: { idleTimeout: 800, sendTimeout: 800, headerTimeout: 5000 } });
    const u = `http://127.0.0.1:${s.port}`;
    // Idle: one request, then silence: closed by the sweeper.
    const idle = await raw(s.port, "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", 10_000);
    assert.equal(idle.closed, true, "the idle keep-alive connection was closed");
    assert.equal(parseResponses(idle.bytes).status, 200);
    // Send timeout: a client that asks for a large file and never reads.
    const big = join(fx.root, "stall.bin");
    writeFileSync(big, new Uint8Array(64 * 1024 * 1024));
    const { connect } = await import("node:net");
    const stalled = await new Promise<number>((resolve) => {
      const sock = connect({ port: s.port, host: "127.0.0.1" }, () => {
        sock.write("GET /stall.bin HTTP/1.1\r\nHost: x\r\n\r\n");
        sock.pause(); // never read: the server's send stops making progress
      });
      const t0 = Date.now();
      const poll = setInterval(() => {
        if (s.counters.timeouts >= 2 || Date.now() - t0 > 20_000) {
          clearInterval(poll);
          sock.destroy();
          resolve(s.counters.timeouts);
        }
      }, 50);
    });
    assert.ok(stalled >= 2, `the stalled send was cut (timeouts: ${stalled})`);
    // Vanishing clients: ask for the large file and close at once, many times.
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const sock = connect({ port: s.port, host: "127.0.0.1" }, () => {
          sock.write("GET /stall.bin HTTP/1.1\r\nHost: x\r\n\r\n");
          sock.once("data", () => {
            sock.destroy();
            resolve();
          });
        });
        sock.on("error", () => resolve());
      });
    }
    for (let i = 0; i < 100 && s.counters.connections > 0; i++) await sleep(50);
    assert.equal(s.counters.connections, 0, "every vanished connection was closed and released");
    assert.equal((await curl([`${u}/a.txt`])).status, 200, "still serving");
    rmSync(big);
  },
);

test("hundreds of concurrent keep-alive connections are served", T, async () => {
  const { connect } = await import("node:net");
  // Its own server with the default header timeout: the shared one cuts
  // heads after 1.5 s (for the slowloris test), less than opening 400
  // connections takes in an emulated guest (the 6.1 VM timed out here).
  await using server = await start();
  const N = 400;
  const socks = await Promise.all(
    Array.from({ length: N }, () =>
      new Promise<import("node:net").Socket>((resolve, reject) => {
        const sock = connect({ port: server.port, host: "127.0.0.1" }, () => resolve(sock));
        sock.on("error", reject);
      })),
  );
  const before = server.counters.requests;
  const answers = await Promise.all(socks.map((sock) =>
    new Promise<string>((resolve) => {
      let got = "";
      sock.on("data", (d) => {
        got += d;
        if (got.endsWith(fx.small)) resolve(got);
      });
      sock.write("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    })
  ));
  for (const a of answers) assert.match(a, /^HTTP\/1\.1 200 OK\r\n/);
  assert.equal(server.counters.requests - before, N);
  assert.ok(server.counters.connections >= N, `${server.counters.connections} open`);
  for (const s of socks) s.destroy();
});

test("5,000 concurrent connections (wrk -c5000): every connection served, no socket errors", T, async (t) => {
  const { spawnSync } = await import("node:child_process");
  const limit = Number(spawnSync("sh", ["-c", "ulimit -n"]).stdout?.toString().trim());
  if (spawnSync("wrk", ["--version"]).error) {
    t.skip("wrk is not installed (apt-get install wrk)");
    return;
  }
  if (!(limit >= 11_000)) {
    t.skip(`RLIMIT_NOFILE is ${limit}: 5,000 connections need 10,000 descriptors here (raise ulimit -n)`);
    return;
  }
  // Its own server with the default limits: the shared one's 1.5 s header
  // timeout would close connections a loaded machine is slow to read.
  await using s = await start();
  // --timeout 60s: a slow machine may answer late; an error is what fails.
  const out = await new Promise<string>((resolve, reject) => {
    import("node:child_process").then(({ execFile }) =>
      execFile(
        "wrk",
        ["-t2", "-c5000", "-d3s", "--timeout", "60s", `http://127.0.0.1:${s.port}/a.txt`],
        { timeout: 110_000 },
        (err, stdout, stderr) => err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      )
    );
  });
  assert.doesNotMatch(out, /Socket errors/, out);
  assert.doesNotMatch(out, /Non-2xx/, out);
  assert.ok(s.counters.accepted >= 5000, `${s.counters.accepted} accepted\n${out}`);
});

test("workers: two threads, each with its own ring, on one listening socket", T, async () => {
  const s = await start({ workers: 2 });
  assert.equal(s.workers, 2);
  const u = `http://127.0.0.1:${s.port}`;
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) => curl([i % 2 ? `${u}/a.txt` : `${u}/big.bin`])),
  );
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 200);
    assert.equal(r.body.length, i % 2 ? fx.small.length : fx.big.length);
  }
  assert.equal(s.counters.requests, 12);
  assert.ok(s.counters.bytes > 6 * fx.big.length);
  await s.shutdown();
  assert.equal(s.counters.connections, 0);
  await assert.rejects(start({ workers: 2, fetch: () => new Response("") }), TypeError);
});

test("file server: stop", T, async () => {
  await server.shutdown();
  rmSync(fx.base, { recursive: true, force: true });
});
