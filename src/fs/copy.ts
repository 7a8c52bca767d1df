/**
 * `copyFile` over an {@linkcode AsyncRing}.
 *
 * @module
 */
import { UringError } from "../errors/uring_error.ts";
import { Errno } from "../errors/errno.ts";
import { defaultRing, type FsOptions, open, opts } from "./file.ts";

const COPY_CHUNK = 256 * 1024;
const COPY_DEPTH = 8;

/**
 * Copy `src` to `dst` (created or truncated, with `src`'s permission bits).
 * Each chunk is a linked read → write pair (one awaited chain, the write
 * starts in the kernel as soon as the read finished); up to 8 chains are in
 * flight, each with its own buffer.
 *
 * @example
 * ```ts
 * import { copyFile, writeFile } from "../../mod.ts";
 * await writeFile("/tmp/jsuring-copy-src", "data");
 * await copyFile("/tmp/jsuring-copy-src", "/tmp/jsuring-copy-dst");
 * ```
 */
export async function copyFile(src: string, dst: string, options: FsOptions = {}): Promise<void> {
  const ring = options.ring ?? defaultRing();
  const o = opts(options);
  const input = await open(src, "r", options);
  try {
    const st = await input.stat(o);
    const output = await open(dst, "w", { ...options, mode: st.mode & 0o7777 });
    try {
      const size = st.size;
      let next = 0;
      const worker = async () => {
        const buf = new Uint8Array(Math.min(COPY_CHUNK, Math.max(size, 1)));
        while (next < size) {
          const at = next;
          next += COPY_CHUNK;
          const len = Math.min(COPY_CHUNK, size - at);
          const b = buf.subarray(0, len);
          try {
            await ring.chain(() => [input.read(b, at, o), output.write(b, at, o)]);
          } catch (e) {
            // A short read breaks the link (the write is cancelled): finish
            // this chunk by hand.
            if (!(e instanceof UringError && e.errno === Errno.ECANCELED)) throw e;
            let done = 0;
            while (done < len) {
              const n = await input.read(b.subarray(done), at + done, o);
              if (n === 0) break;
              done += n;
            }
            await output.writeAll(b.subarray(0, done), at, o);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(COPY_DEPTH, Math.ceil(size / COPY_CHUNK)) }, worker));
      // The source may have grown meanwhile: append the rest.
      const tail = new Uint8Array(COPY_CHUNK);
      for (let at = size;;) {
        const n = await input.read(tail, at, o);
        if (n === 0) break;
        await output.writeAll(tail.subarray(0, n), at, o);
        at += n;
      }
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}
