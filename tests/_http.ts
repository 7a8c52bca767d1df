// Helpers of the file server suites: a fixture directory, curl, raw sockets.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { Buffer } from "node:buffer";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pattern } from "./_helpers.ts";

export interface Fixture {
  /** The parent directory (holds the secret outside the root). */
  base: string;
  /** The served root. */
  root: string;
  big: Uint8Array;
  small: string;
}

export const SECRET = "TOP-SECRET-OUTSIDE-ROOT";

export function fixture(): Fixture {
  const base = mkdtempSync(join(tmpdir(), "jsuring-http-"));
  const root = join(base, "www");
  mkdirSync(join(root, "sub"), { recursive: true });
  mkdirSync(join(root, "docs"), { recursive: true });
  mkdirSync(join(root, ".git"), { recursive: true });
  writeFileSync(join(base, "secret.txt"), SECRET);
  const small = "hello, world\n";
  const big = pattern(2 * 1024 * 1024 + 123, 7);
  writeFileSync(join(root, "a.txt"), small);
  writeFileSync(join(root, "big.bin"), big);
  writeFileSync(join(root, "index.html"), "<!doctype html><title>home</title>\n");
  writeFileSync(join(root, "docs", "index.html"), "<p>docs</p>\n");
  writeFileSync(join(root, "sub", "x.css"), "body{}\n");
  writeFileSync(join(root, "sub", "a b ✓.txt"), "spaced\n");
  writeFileSync(join(root, ".env"), "DOTFILE-SECRET\n");
  writeFileSync(join(root, ".git", "config"), "[core]\n");
  writeFileSync(join(root, "%2e%2e"), "literal name\n");
  symlinkSync(join(base, "secret.txt"), join(root, "out-link.txt"));
  symlinkSync(base, join(root, "out-dir"));
  symlinkSync("a.txt", join(root, "in-link.txt"));
  symlinkSync("../sub", join(root, "docs", "in-dir"));
  return { base, root, big, small };
}

export interface CurlResult {
  status: number;
  headers: Map<string, string>;
  body: Uint8Array;
  /** Every response's status line, in order (keep-alive, several URLs). */
  statuses: number[];
  stderr: string;
  /** What --write-out printed (last line of stderr is not used: -w goes to a file). */
  out: string;
}

/** Run curl; parses `-i` output of one or more responses. */
export function curl(args: string[], timeoutMs = 20_000): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "curl",
      ["-s", "-i", "--max-time", String(timeoutMs / 1000), ...args],
      { encoding: "buffer", maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err && (err as { code?: unknown }).code !== 0 && stdout.length === 0) {
          reject(new Error(`curl ${args.join(" ")}: ${err.message} ${stderr}`));
          return;
        }
        resolve(parseResponses(new Uint8Array(stdout), stderr.toString()));
      },
    );
  });
}

/** Split raw bytes into responses (as curl -i or a raw socket shows them). */
export function parseResponses(all: Uint8Array, stderr = ""): CurlResult {
  const text = latin1(all);
  const statuses: number[] = [];
  let at = 0;
  let last: { status: number; headers: Map<string, string>; body: Uint8Array } = {
    status: 0,
    headers: new Map(),
    body: new Uint8Array(0),
  };
  while (at < text.length && text.startsWith("HTTP/", at)) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end < 0) break;
    const lines = text.slice(at, end).split("\r\n");
    const status = Number(lines[0].split(" ")[1]);
    const headers = new Map<string, string>();
    for (const l of lines.slice(1)) {
      const c = l.indexOf(":");
      headers.set(l.slice(0, c).toLowerCase(), l.slice(c + 1).trim());
    }
    const bodyStart = end + 4;
    let next: number;
    if (!headers.has("content-length")) {
      // chunked or close-delimited (304/204 have no body): the rest.
      next = status === 304 || status === 204 ? bodyStart : all.length;
    } else if (text.startsWith("HTTP/", bodyStart)) {
      next = bodyStart; // HEAD: a length but no body
    } else {
      next = bodyStart + Number(headers.get("content-length"));
    }
    statuses.push(status);
    last = { status, headers, body: all.subarray(bodyStart, Math.min(all.length, next)) };
    at = next;
  }
  return { ...last, statuses, stderr, out: "" };
}

export function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/**
 * Send `data` on a raw TCP connection and collect everything until the
 * server closes (or `timeoutMs`); `closed` says whether the server closed.
 */
export function raw(
  port: number,
  data: string | Uint8Array | (string | Uint8Array)[],
  timeoutMs = 5000,
): Promise<{ bytes: Uint8Array; closed: boolean; text: string }> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    const sock = connect({ port, host: "127.0.0.1" });
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let o = 0;
      for (const c of chunks) {
        bytes.set(c, o);
        o += c.length;
      }
      resolve({ bytes, closed, text: latin1(bytes) });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on("data", (d) => chunks.push(new Uint8Array(d)));
    sock.on("end", () => finish(true));
    sock.on("close", () => finish(true));
    sock.on("error", () => finish(true));
    sock.on("connect", () => {
      for (const d of Array.isArray(data) ? data : [data]) {
        sock.write(typeof d === "string" ? Buffer.from(d, "latin1") : d);
      }
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
