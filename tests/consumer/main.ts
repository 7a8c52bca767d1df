/**
 * The consumer test's program (scripts/consumer_test.ts): what someone who
 * installed the package writes. It runs from an empty directory with only
 * `--allow-ffi` on Deno (`bun run` on Bun) and prints one JSON line.
 *
 * Usage: main.ts <file to read>
 */
import { AsyncRing, connect, listen, readFile, Ring } from "@jsuring/jsuring";
import process from "node:process";

const path = process.argv[2] ?? process.argv[1];
const out: Record<string, unknown> = {};

// 1. A ring: openat + read + close of a file, synchronously.
{
  using ring = Ring.create({ entries: 8 });
  out.memory = ring.memory;
  out.memoryKind = ring.memoryKind;
  out.fallback = ring.fallback;
  ring.openat(path);
  ring.submitAndWait(1);
  let fd = -1;
  ring.reap((res) => fd = res);
  if (fd < 0) throw new Error(`openat failed: ${fd}`);
  const buf = new Uint8Array(1 << 16);
  ring.read(fd, buf, 0);
  ring.submitAndWait(1);
  let n = -1;
  ring.reap((res) => n = res);
  ring.closeFd(fd);
  ring.submitAndWait(1);
  ring.reap(() => {});
  out.ringRead = n;
}

// 2. An AsyncRing: readFile, and a TCP echo round trip on loopback.
{
  await using ring = AsyncRing.create({ entries: 64 });
  const bytes = await readFile(path, { ring });
  out.asyncRead = bytes.length;
  out.sum = bytes.reduce((a, b) => (a + b) >>> 0, 0);

  await using server = await listen({ host: "127.0.0.1", port: 0, ring });
  const echo = (async () => {
    for await (const conn of server) {
      for await (const chunk of conn.chunks()) await conn.sendAll(chunk);
      await conn.close();
      return;
    }
  })();
  const client = await connect({ port: server.port, ring });
  const message = new TextEncoder().encode("hello through io_uring");
  await client.sendAll(message);
  const back = new Uint8Array(message.length);
  let got = 0;
  while (got < back.length) {
    const n = await client.recv(back.subarray(got));
    if (n <= 0) break;
    got += n;
  }
  await client.shutdown("write");
  await echo;
  await client.close();
  out.echo = new TextDecoder().decode(back.subarray(0, got));
}
console.log(JSON.stringify(out));
