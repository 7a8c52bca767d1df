/**
 * The per-path file cache of the server: an open descriptor, size, mtime,
 * ETag, MIME type and the prebuilt header lines of each file served, so that
 * 304, HEAD, 416 and the heads of 200/206 need no file I/O. Entries are
 * re-validated with one statx of the path at most once per `validMs` (as
 * nginx's open_file_cache_valid): a file replaced or changed is reopened, a
 * deleted one dropped. Small files keep their bytes too.
 *
 * Confinement: paths reach here normalised (no `..`, no empty segments) and
 * are opened relative to the root directory's descriptor. Symlinks are the
 * one way out: files are opened with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS), plus RESOLVE_NO_SYMLINKS unless symlinks are
 * allowed (then only those that stay inside the root resolve). On a kernel
 * without IORING_OP_OPENAT2 (before 5.6) each component is opened with
 * O_NOFOLLOW instead: no symlink is followed at all.
 *
 * @module
 */
import type { AsyncRing } from "../async/async_ring.ts";
import type { Statx } from "../ring/ring.ts";
import { UringError } from "../errors/uring_error.ts";
import { AT, O, RESOLVE, S_IF } from "../abi/linux.ts";
import { prepOpenat2 } from "../ops/fs.ts";
import { cString } from "../ring/_args.ts";
import { getNative } from "../runtime/_ffi.ts";
import { fileEtag } from "./conditional.ts";
import { formatHttpDate } from "./date.ts";
import { contentType } from "./mime.ts";

const O_RDONLY = O.RDONLY, O_CLOEXEC = O.CLOEXEC, O_DIRECTORY = O.DIRECTORY, O_NOFOLLOW = O.NOFOLLOW;
const S_IFMT = S_IF.MT, S_IFDIR = S_IF.DIR, S_IFREG = S_IF.REG;
const AT_EMPTY_PATH = AT.EMPTY_PATH;
const EMPTY = new Uint8Array(1);

/** One cached file (or directory). */
export interface Entry {
  /** The normalised path ("/a/b.txt"). */
  readonly path: string;
  /** The open descriptor (-1 once closed). */
  fd: number;
  readonly dir: boolean;
  readonly size: number;
  readonly ino: number;
  readonly mtimeMs: number;
  readonly etag: string;
  /** Content-Type, ETag, Last-Modified, Accept-Ranges (+ extra) lines, CRLF-ended. */
  readonly headers: string;
  /** The whole content, for files up to the small-file size. */
  body: Uint8Array | undefined;
  /** A whole 200 keep-alive HTTP/1.1 response of a small file, for `responseSecond`. */
  response?: Uint8Array;
  /** The second (epoch) `response`'s Date header names. */
  responseSecond?: number;
  /** When the entry was last checked against the file system. */
  checkedAt: number;
  /** Requests using it now (its fd closes when 0 and stale). */
  refs: number;
  stale: boolean;
}

/** What a lookup gives: the entry, or a status (404, 403). */
export type Lookup = Entry | number;

/** Options of the cache. */
export interface CacheOptions {
  ring: AsyncRing;
  /** Root directory's real path. */
  root: string;
  /** Header lines added to every file's head (CORS). */
  extraHeaders: string;
  /** Files up to this size keep their bytes. */
  smallFile: number;
  /** How long an entry is trusted without a statx. */
  validMs: number;
  /** Most entries kept (LRU-ish: the oldest are dropped). */
  maxEntries: number;
  /** Follow symlinks that resolve inside the root (default: no symlink is followed). */
  followSymlinks: boolean;
}

function sameFile(e: Entry, st: Statx): boolean {
  return e.ino === st.ino && e.size === st.size && e.mtimeMs === st.mtimeMs;
}

/** The file cache (one per server thread). */
export class FileCache {
  #o: CacheOptions;
  #rootFd = -1;
  #map = new Map<string, Entry>();
  #opening = new Map<string, Promise<Lookup>>();
  /**
   * Paths found missing (or refused), with when: trusted as long as an entry
   * (`validMs`), so a route of a fetch handler or a scanner's 404s cost no
   * openat2 each time. A file created meanwhile appears within validMs.
   */
  #missing = new Map<string, { status: number; at: number }>();
  #openat2: boolean;
  /** Opens, revalidations, files found changed (visible to tests). */
  readonly stats = { opens: 0, statx: 0, changed: 0 };

  constructor(o: CacheOptions) {
    this.#o = o;
    this.#openat2 = o.ring.ring.probe().has("OPENAT2");
  }

  /** Open the root directory. */
  async open(): Promise<void> {
    this.#rootFd = await this.#o.ring.openat(this.#o.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  }

  /** The entry for a normalised path: at once when cached and fresh, else a promise. */
  get(path: string, now: number): Lookup | Promise<Lookup> {
    const e = this.#map.get(path);
    if (e && now - e.checkedAt < this.#o.validMs) {
      e.refs++;
      return e;
    }
    const m = this.#missing.get(path);
    if (m !== undefined) {
      if (now - m.at < this.#o.validMs) return m.status;
      this.#missing.delete(path);
    }
    let p = this.#opening.get(path);
    if (!p) {
      p = this.#load(path, e, now).finally(() => this.#opening.delete(path));
      this.#opening.set(path, p);
    }
    return p.then((r) => {
      if (typeof r !== "number") r.refs++;
      return r;
    });
  }

  /** A request is done with `e`. */
  release(e: Entry): void {
    if (--e.refs === 0 && e.stale) this.#close(e);
  }

  /** Forget `e` (the file changed under a request): the next lookup reopens. */
  invalidate(e: Entry): void {
    if (this.#map.get(e.path) === e) this.#drop(e);
  }

  async #load(path: string, old: Entry | undefined, now: number): Promise<Lookup> {
    const ring = this.#o.ring;
    const rel = path === "/" ? "." : path.slice(1).replace(/\/$/, "");
    if (old) {
      // Revalidate: one statx of the path, no open when unchanged.
      this.stats.statx++;
      try {
        const st = await ring.statx(rel, { dirfd: this.#rootFd });
        if (sameFile(old, st)) {
          old.checkedAt = now;
          return old;
        }
        this.stats.changed++;
      } catch {
        this.stats.changed++;
      }
      this.#drop(old);
    }
    let fd: number;
    try {
      fd = await this.#openBeneath(rel);
    } catch (e) {
      const status = e instanceof UringError && (e.code === "EACCES" || e.code === "EPERM") ? 403 : 404;
      // 404: ENOENT, ENOTDIR, ELOOP, EXDEV (openat2: outside the root), ...
      if (this.#o.validMs > 0) {
        if (this.#missing.size >= this.#o.maxEntries) this.#missing.clear();
        this.#missing.set(path, { status, at: now });
      }
      return status;
    }
    this.stats.opens++;
    try {
      const st = await ring.statx(EMPTY, { dirfd: fd, atFlags: AT_EMPTY_PATH });
      const type = st.mode & S_IFMT;
      if (type !== S_IFREG && type !== S_IFDIR) {
        await ring.closeFd(fd).catch(() => {});
        return 404; // devices, fifos, sockets are never served
      }
      const dir = type === S_IFDIR;
      const etag = fileEtag(st.ino, st.size, st.mtimeMs);
      const headers = dir
        ? ""
        : `Content-Type: ${contentType(path)}\r\nETag: ${etag}\r\nLast-Modified: ${
          formatHttpDate(st.mtimeMs)
        }\r\nAccept-Ranges: bytes\r\n${this.#o.extraHeaders}`;
      const e: Entry = {
        path,
        fd,
        dir,
        size: dir ? 0 : st.size,
        ino: st.ino,
        mtimeMs: st.mtimeMs,
        etag,
        headers,
        body: undefined,
        checkedAt: now,
        refs: 0,
        stale: false,
      };
      if (!dir && st.size <= this.#o.smallFile) {
        const body = new Uint8Array(st.size);
        let got = 0;
        while (got < st.size) {
          const n = await ring.read(fd, body.subarray(got), got);
          if (n === 0) break;
          got += n;
        }
        if (got !== st.size) {
          // Shrank between statx and read: serve nothing stale, try afresh next time.
          await ring.closeFd(fd).catch(() => {});
          return 404;
        }
        e.body = body;
      }
      if (this.#map.size >= this.#o.maxEntries) {
        const oldest = this.#map.values().next().value;
        if (oldest) this.#drop(oldest);
      }
      this.#map.set(path, e);
      return e;
    } catch {
      await ring.closeFd(fd).catch(() => {});
      return 404;
    }
  }

  /** Open `rel` under the root, never resolving outside it. */
  #openBeneath(rel: string): Promise<number> {
    if (!this.#openat2) return this.#openWalk(rel);
    const name = cString(rel);
    // struct open_how { u64 flags; u64 mode; u64 resolve; } (linux/openat2.h)
    const how = new BigUint64Array(3);
    how[0] = BigInt(O_RDONLY | O_CLOEXEC);
    how[2] = BigInt(
      RESOLVE.BENEATH | RESOLVE.NO_MAGICLINKS | (this.#o.followSymlinks ? 0 : RESOLVE.NO_SYMLINKS),
    );
    const native = getNative();
    return this.#o.ring.op(
      "openat2",
      (s, at) => prepOpenat2(s, at, this.#rootFd, native.addressOf(name), native.addressOf(how)),
      [name, how],
    );
  }

  /**
   * Confinement without openat2 (before 5.6): walk the path one component
   * at a time from the root, each opened with O_NOFOLLOW, so no symlink is
   * followed (ELOOP → 404).
   */
  async #openWalk(rel: string): Promise<number> {
    const ring = this.#o.ring;
    if (rel === ".") return ring.openat(".", O_RDONLY | O_CLOEXEC, 0, { dirfd: this.#rootFd });
    const parts = rel.split("/");
    let dir = this.#rootFd;
    try {
      for (let i = 0; i < parts.length - 1; i++) {
        const next = await ring.openat(parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, {
          dirfd: dir,
        });
        if (dir !== this.#rootFd) await ring.closeFd(dir).catch(() => {});
        dir = next;
      }
      return await ring.openat(parts[parts.length - 1], O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0, { dirfd: dir });
    } finally {
      if (dir !== this.#rootFd) await ring.closeFd(dir).catch(() => {});
    }
  }

  #drop(e: Entry): void {
    this.#map.delete(e.path);
    e.stale = true;
    if (e.refs === 0) this.#close(e);
  }

  #close(e: Entry): void {
    if (e.fd < 0) return;
    const fd = e.fd;
    e.fd = -1;
    if (!this.#o.ring.closed) this.#o.ring.closeFd(fd).catch(() => {});
  }

  /** Close every cached descriptor and the root. */
  close(): void {
    for (const e of [...this.#map.values()]) this.#drop(e);
    if (this.#rootFd >= 0 && !this.#o.ring.closed) this.#o.ring.closeFd(this.#rootFd).catch(() => {});
    this.#rootFd = -1;
  }
}

export { S_IFDIR };
