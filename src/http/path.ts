/**
 * Request-target → a path confined to the served root. Every way a path has
 * been used to escape a root ends here, before any file system call:
 * percent-decoding happens once (so `%252e%252e` is the file name `%2e%2e`,
 * not `..`), then the bytes must be strict UTF-8 (overlong forms such as
 * `%c0%ae` are invalid UTF-8), and NUL, other control bytes and backslashes
 * are refused; `.` and `..` segments are resolved and a `..` that would climb
 * above the root is refused. What comes out never starts with anything but
 * one `/`, and never holds an empty, `.` or `..` segment.
 *
 * @module
 */
import { str } from "./_check.ts";

/**
 * The result of {@linkcode resolvePath}: the path, or the status to answer.
 *
 * @example
 * ```ts
 * import { resolvePath, type ResolvedPath } from "@jsuring/jsuring";
 * const r: ResolvedPath = resolvePath("/a/../b/?q=1");
 * console.log(r); // { path: "/b/", dir: true, dotfile: false, query: "q=1" }
 * ```
 */
export type ResolvedPath =
  | { path: string; dir: boolean; dotfile: boolean; query: string }
  | { status: 400 | 404 };

const FATAL_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Decode and confine a request-target (origin-form `/a/b?q`, or
 * absolute-form `http://host/a/b`, whose path part is used).
 *
 * - 400: not a path (`*`, no leading `/`), a bad `%` escape, invalid or
 *   overlong UTF-8, NUL or another control byte, a backslash (raw or
 *   encoded), a `..` that climbs above the root.
 * - `dir`: the path ends with `/` (a directory is asked for).
 * - `dotfile`: a segment starts with `.` (hidden unless the server allows it).
 *
 * @example
 * ```ts
 * import { resolvePath } from "@jsuring/jsuring";
 * console.log(resolvePath("/docs/%E2%9C%93.txt")); // { path: "/docs/✓.txt", ... }
 * console.log(resolvePath("/../etc/passwd")); // { status: 400 }
 * console.log(resolvePath("/%2e%2e/etc/passwd")); // { status: 400 }
 * console.log(resolvePath("/%c0%ae%c0%ae/etc/passwd")); // { status: 400 }
 * ```
 */
export function resolvePath(target: string): ResolvedPath {
  str(target, "resolvePath: target");
  let t = target;
  if (t.charCodeAt(0) !== 47) {
    // absolute-form (RFC 9112 §3.2.2): the server must accept it.
    const m = /^https?:\/\/[^/?#]*/i.exec(t);
    if (!m) return { status: 400 };
    t = t.slice(m[0].length) || "/";
    if (t.charCodeAt(0) !== 47) {
      if (t.charCodeAt(0) !== 63) return { status: 400 };
      t = "/" + t;
    }
  }
  let query = "";
  const q = t.indexOf("?");
  if (q >= 0) {
    query = t.slice(q + 1);
    t = t.slice(0, q);
  }
  const hash = t.indexOf("#");
  if (hash >= 0) t = t.slice(0, hash); // never sent by clients, but never part of a path
  // Percent-decode to bytes, once.
  const bytes = new Uint8Array(t.length);
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    let c = t.charCodeAt(i);
    if (c === 37) {
      const h = hex(t.charCodeAt(i + 1)), l = hex(t.charCodeAt(i + 2));
      if (h < 0 || l < 0) return { status: 400 };
      c = (h << 4) | l;
      i += 2;
    } else if (c > 0xff) {
      return { status: 400 };
    }
    if (c < 0x20 || c === 0x7f || c === 92) return { status: 400 }; // NUL, CTLs, backslash
    bytes[n++] = c;
  }
  let decoded: string;
  try {
    decoded = FATAL_UTF8.decode(bytes.subarray(0, n)); // overlong forms and surrogates are errors
  } catch {
    return { status: 400 };
  }
  // Normalise: no empty, "." or ".." segments; ".." may not climb above the root.
  const out: string[] = [];
  const parts = decoded.split("/");
  let dotfile = false;
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i];
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) return { status: 400 };
      out.pop();
      continue;
    }
    if (seg.length > 255) return { status: 404 }; // NAME_MAX: no such file can exist
    out.push(seg);
  }
  for (const seg of out) if (seg.charCodeAt(0) === 46) dotfile = true;
  const last = parts[parts.length - 1];
  const dir = out.length === 0 || last === "" || last === "." || last === "..";
  const path = "/" + out.join("/") + (dir && out.length ? "/" : "");
  return { path, dir, dotfile, query };
}
