// The HTTP/1.1 protocol layer of src/http/, pure functions: parser, path
// confinement, preconditions, ranges, content types, dates, response heads.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  contentType,
  encodePath,
  errorResponse,
  evaluatePreconditions,
  fileEtag,
  formatHttpDate,
  Header,
  httpDateNow,
  ifRangeMatches,
  Method,
  parseHttpDate,
  parseRange,
  parseRequest,
  RequestHead,
  resolvePath,
  responseHead,
} from "../mod.ts";

const enc = new TextEncoder();
const LIMITS = { maxRequestLine: 64, maxHeaderBytes: 256, maxHeaders: 4, maxBody: 1000 };

function parse(text: string, limits = LIMITS): [number, RequestHead] {
  const b = enc.encode(text);
  const h = new RequestHead(8);
  return [parseRequest(b, 0, b.length, h, limits), h];
}

test("parser: a full request, in place, with fields and known headers", () => {
  const text = "GET /a/b?x=1 HTTP/1.1\r\nHost: example\r\nRange:  bytes=0-1 \r\nX-Other: v\r\n\r\nNEXT";
  const b = enc.encode(text);
  const h = new RequestHead(8);
  const n = parseRequest(b, 0, b.length, h, LIMITS);
  assert.equal(n, text.length - 4);
  assert.equal(h.method, Method.GET);
  assert.equal(h.methodName(), "GET");
  assert.equal(h.target(), "/a/b?x=1");
  assert.equal(h.minor, 1);
  assert.equal(h.keepAlive, true);
  assert.equal(h.get(Header.HOST), "example");
  assert.equal(h.get(Header.RANGE), "bytes=0-1");
  assert.equal(h.get(Header.IF_RANGE), undefined);
  assert.equal(h.count, 3);
  assert.equal(h.name(2), "X-Other");
  assert.equal(h.buf, b, "offsets point into the received bytes (no copy)");
});

test("parser: incomplete heads ask for more; bare LF and leading empty lines are accepted", () => {
  const full = "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n";
  for (let cut = 0; cut < full.length; cut++) assert.equal(parse(full.slice(0, cut))[0], 0, `cut at ${cut}`);
  assert.equal(parse(full)[0], full.length);
  assert.equal(parse("\r\nGET / HTTP/1.1\nHost: a\n\n")[0], 26);
});

test("parser: keep-alive for HTTP/1.0 and 1.1", () => {
  assert.equal(parse("GET / HTTP/1.0\r\n\r\n")[1].keepAlive, false);
  assert.equal(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")[1].keepAlive, true);
  assert.equal(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n")[1].keepAlive, false);
  assert.equal(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n")[1].keepAlive, true);
});

test("parser: each error status", () => {
  const cases: [string, number][] = [
    ["GET / HTTP/1.1\r\n\r\n", -400], // no Host
    ["GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400],
    ["GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -400],
    ["GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -400],
    ["GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400], // space before the colon
    ["GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", -400], // obs-fold
    ["GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n", -400], // NUL in a value
    ["GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", -400], // bare CR
    ["GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", -400],
    ["\x16\x03\x01\x02\x00\x01\x00", -400], // a TLS hello: rejected before a line end
    ["GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", -400],
    ["GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", -400],
    ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", -400],
    ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", -411],
    ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", -501],
    ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n", -413],
    [`GET /${"a".repeat(100)} HTTP/1.1\r\nHost: a\r\n\r\n`, -414],
    [`GET /${"a".repeat(100)}`, -414], // too long before its end arrived
    [`GET / HTTP/1.1\r\nHost: a\r\nX: ${"v".repeat(300)}\r\n\r\n`, -431],
    ["GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", -431], // 5 fields > 4
    ["BREW / HTTP/1.1\r\nHost: a\r\n\r\n", -501],
    ["get / HTTP/1.1\r\nHost: a\r\n\r\n", -501], // methods are case-sensitive
    ["GET / HTTP/2.0\r\nHost: a\r\n\r\n", -505],
    ["GET / HTTP/1.2\r\nHost: a\r\n\r\n", -505],
    ["GET / HTTP/11\r\nHost: a\r\n\r\n", -400],
  ];
  for (const [text, want] of cases) assert.equal(parse(text)[0], want, JSON.stringify(text));
  // Random bytes never crash the parser and never parse as a request.
  for (let seed = 1; seed < 200; seed++) {
    const b = new Uint8Array(64).map((_, i) => (seed * 7919 + i * 104729) % 251);
    const r = parseRequest(b, 0, b.length, new RequestHead(8), LIMITS);
    assert.ok(r <= 0, `seed ${seed}`);
  }
});

test("path: decoding, normalising and confinement", () => {
  const ok = (t: string, path: string, dir = false) => {
    const r = resolvePath(t);
    assert.ok("path" in r, `${t}: ${JSON.stringify(r)}`);
    assert.equal(r.path, path, t);
    assert.equal(r.dir, dir, t);
  };
  ok("/", "/", true);
  ok("/a/b.txt?x=1#f", "/a/b.txt");
  ok("//a///b/./c", "/a/b/c");
  ok("/a/b/../c", "/a/c");
  ok("/a/", "/a/", true);
  ok("/a/%E2%9C%93", "/a/✓");
  ok("/%252e%252e/x", "/%2e%2e/x"); // decoded once: a file name, not a climb
  ok("http://host:8080/x/y?q", "/x/y");
  assert.equal((resolvePath("/a?q=1") as { query: string }).query, "q=1");
  assert.equal((resolvePath("/.git/config") as { dotfile: boolean }).dotfile, true);
  assert.equal((resolvePath("/a/.well-known/x") as { dotfile: boolean }).dotfile, true);
  assert.equal((resolvePath("/a.b/c") as { dotfile: boolean }).dotfile, false);
  const bad = [
    "/../etc/passwd",
    "/a/../../etc/passwd",
    "/%2e%2e/etc/passwd",
    "/%2E%2E%2Fetc%2Fpasswd",
    "/..%2fetc/passwd",
    "/a/%2e%2e/%2e%2e/etc",
    "/%c0%ae%c0%ae/etc/passwd", // overlong "."
    "/%c0%af", // overlong "/"
    "/%e0%80%ae", // 3-byte overlong
    "/%ed%a0%80", // a UTF-16 surrogate
    "/%ff",
    "/a%00.html",
    "/a\\..\\b",
    "/%5c..%5cetc",
    "/%zz",
    "/%4",
    "*",
    "etc/passwd",
    "/\x7f",
  ];
  for (const t of bad) assert.deepEqual(resolvePath(t), { status: 400 }, t);
  assert.deepEqual(resolvePath(`/${"n".repeat(256)}`), { status: 404 });
});

test("preconditions: RFC 9110 §13.2.2 order", () => {
  const etag = fileEtag(1, 10, 5_000);
  const mtime = 1_700_000_000_500; // not on a second: Last-Modified truncates
  const lm = formatHttpDate(mtime);
  const before = formatHttpDate(mtime - 10_000), after = formatHttpDate(mtime + 10_000);
  const E = (p: object) => evaluatePreconditions(p, etag, mtime);
  assert.equal(E({}), 200);
  assert.equal(E({ ifNoneMatch: etag }), 304);
  assert.equal(E({ ifNoneMatch: `"x", W/${etag}` }), 304, "weak comparison");
  assert.equal(E({ ifNoneMatch: "*" }), 304);
  assert.equal(E({ ifNoneMatch: '"x"' }), 200);
  assert.equal(E({ ifModifiedSince: lm }), 304);
  assert.equal(E({ ifModifiedSince: after }), 304);
  assert.equal(E({ ifModifiedSince: before }), 200);
  assert.equal(E({ ifModifiedSince: "garbage" }), 200, "invalid dates are ignored");
  assert.equal(E({ ifNoneMatch: '"x"', ifModifiedSince: after }), 200, "If-None-Match wins over IMS");
  assert.equal(E({ ifMatch: '"x"' }), 412);
  assert.equal(E({ ifMatch: `W/${etag}` }), 412, "If-Match compares strongly");
  assert.equal(E({ ifMatch: etag, ifNoneMatch: etag }), 304);
  assert.equal(E({ ifMatch: "*" }), 200);
  assert.equal(E({ ifUnmodifiedSince: before }), 412);
  assert.equal(E({ ifUnmodifiedSince: after }), 200);
  assert.equal(E({ ifMatch: etag, ifUnmodifiedSince: before }), 200, "IUS is ignored with If-Match");
});

test("ranges: single, open, suffix, multi, unsatisfiable, invalid; If-Range", () => {
  assert.deepEqual(parseRange("bytes=0-9", 100), { kind: "range", start: 0, end: 9 });
  assert.deepEqual(parseRange("bytes=90-200", 100), { kind: "range", start: 90, end: 99 });
  assert.deepEqual(parseRange("bytes=10-", 100), { kind: "range", start: 10, end: 99 });
  assert.deepEqual(parseRange("bytes=-10", 100), { kind: "range", start: 90, end: 99 });
  assert.deepEqual(parseRange("bytes=-1000", 100), { kind: "range", start: 0, end: 99 });
  assert.deepEqual(parseRange("bytes=100-", 100), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=-0", 100), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=0-0", 0), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=0-1,3-4", 100), { kind: "full" });
  assert.deepEqual(parseRange("bytes=200-,300-", 100), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=5-1", 100), { kind: "full" });
  assert.deepEqual(parseRange("items=0-1", 100), { kind: "full" });
  assert.deepEqual(parseRange("bytes=x-1", 100), { kind: "full" });
  const etag = '"e1"', mtime = 1_700_000_000_000;
  assert.equal(ifRangeMatches(undefined, etag, mtime), true);
  assert.equal(ifRangeMatches('"e1"', etag, mtime), true);
  assert.equal(ifRangeMatches('W/"e1"', etag, mtime), false);
  assert.equal(ifRangeMatches(formatHttpDate(mtime), etag, mtime), true);
  assert.equal(ifRangeMatches(formatHttpDate(mtime - 1000), etag, mtime), false);
});

test("content types come from mime-db", () => {
  assert.equal(contentType("/x/index.html"), "text/html; charset=utf-8");
  assert.equal(contentType("a.CSS"), "text/css; charset=utf-8");
  assert.equal(contentType("app.js"), "text/javascript; charset=utf-8");
  assert.equal(contentType("data.json"), "application/json; charset=utf-8");
  assert.equal(contentType("v.mp4"), "video/mp4");
  assert.equal(contentType("i.png"), "image/png");
  assert.equal(contentType("f.woff2"), "font/woff2");
  assert.equal(contentType("m.wasm"), "application/wasm");
  assert.equal(contentType("README"), "application/octet-stream");
  assert.equal(contentType("/a.b/README"), "application/octet-stream");
  assert.equal(contentType(".bashrc"), "application/octet-stream");
});

test("dates: format, parse all three forms, per-second cache", () => {
  const t = 784111777000;
  assert.equal(formatHttpDate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
  assert.equal(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), t);
  assert.equal(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), t);
  assert.equal(parseHttpDate("Sun Nov  6 08:49:37 1994"), t);
  assert.equal(parseHttpDate("Sun, 31 Feb 1994 08:49:37 GMT"), undefined);
  assert.equal(parseHttpDate("yesterday"), undefined);
  assert.equal(httpDateNow(t + 10), httpDateNow(t + 900));
  assert.equal(httpDateNow(t + 1000), "Sun, 06 Nov 1994 08:49:38 GMT");
});

test("response heads and error responses", () => {
  const h = responseHead(200, 1, true, 'ETag: "x"\r\n', 5);
  assert.match(h, /^HTTP\/1\.1 200 OK\r\nDate: [^\r]+ GMT\r\nETag: "x"\r\nContent-Length: 5\r\n\r\n$/);
  assert.match(responseHead(200, 1, false, "", 0), /Connection: close\r\n\r\n$/);
  assert.match(responseHead(200, 0, true, "", 0), /Connection: keep-alive\r\n\r\n$/);
  assert.match(responseHead(200, 0, false, "", 0), /Connection: close\r\n\r\n$/);
  assert.doesNotMatch(responseHead(304, 1, true, "", -1), /Content-Length/);
  const e = new TextDecoder().decode(errorResponse(405, 1, true, false, "Allow: GET, HEAD\r\n"));
  assert.match(e, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
  assert.match(e, /\r\nAllow: GET, HEAD\r\n/);
  assert.ok(e.endsWith("\r\n\r\n405 Method Not Allowed\n"));
  const head = new TextDecoder().decode(errorResponse(404, 1, true, true));
  assert.ok(head.endsWith("Content-Length: 14\r\n\r\n"), "HEAD: the length, no body");
  assert.equal(encodePath("/a b/✓?#/"), "/a%20b/%E2%9C%93%3F%23/");
});
