import { test } from "node:test";
import assert from "node:assert/strict";
import { AsyncRing, connect, listen, type TcpConn, UringError } from "../mod.ts";
import { pattern } from "./_helpers.ts";

const MODES = [
  { name: "plain", opts: {} },
  { name: "DEFER_TASKRUN", opts: { singleIssuer: true, deferTaskrun: true } },
];

async function readAll(conn: TcpConn, want: number): Promise<Uint8Array> {
  const out = new Uint8Array(want);
  let got = 0;
  for await (const chunk of conn.chunks()) {
    out.set(chunk, got);
    got += chunk.length;
    if (got >= want) break;
  }
  return out.subarray(0, got);
}

for (const mode of MODES) {
  const label = `[${mode.name}]`;
  const create = (o = {}) => AsyncRing.create({ entries: 128, ...mode.opts, ...o });

  test(`${label} listen, accept, connect, send and multishot recv round-trip data`, async () => {
    await using ring = create();
    await using server = await listen({ ring });
    assert.ok(server.port > 0);
    const [a, b] = await Promise.all([server.accept(), connect({ port: server.port, ring })]);
    const data = pattern(200_000, 4); // above the SEND_ZC threshold
    const [, got] = await Promise.all([b.sendAll(data), readAll(a, data.length)]);
    assert.deepEqual(got, data);
    await b.sendAll(new TextEncoder().encode("small"), { zeroCopy: false });
    assert.equal(new TextDecoder().decode(await readAll(a, 5)), "small");
    await a.close();
    await b.close();
  });

  test(`${label} multishot accept serves many clients under load (echo)`, async () => {
    await using ring = create();
    await using server = await listen({ ring });
    const served: Promise<void>[] = [];
    const acceptor = (async () => {
      for await (const conn of server) {
        served.push((async () => {
          for await (const chunk of conn.chunks()) await conn.sendAll(chunk);
          await conn.close();
        })());
        if (served.length === 40) break;
      }
    })();
    const clients = Array.from({ length: 40 }, async (_, i) => {
      const c = await connect({ port: server.port, ring });
      const msg = pattern(3000 + i * 100, i + 1);
      for (let round = 0; round < 5; round++) {
        const [, back] = await Promise.all([c.sendAll(msg), readAll(c, msg.length)]);
        assert.deepEqual(back, msg);
      }
      await c.shutdown("write");
      await c.close();
    });
    await Promise.all(clients);
    await acceptor;
    await Promise.all(served);
  });

  test(`${label} buffer exhaustion (ENOBUFS) re-arms the receive and loses no data`, async () => {
    // A tiny shared buffer ring: 8 buffers of 1 KiB for 8 busy connections.
    await using ring = create();
    await using server = await listen({ ring });
    const N = 8, SIZE = 64 * 1024;
    const results: Promise<Uint8Array>[] = [];
    const senders: Promise<void>[] = [];
    const datas = Array.from({ length: N }, (_, i) => pattern(SIZE, 100 + i));
    let rearms = 0;
    for (let i = 0; i < N; i++) {
      const [a, b] = await Promise.all([server.accept(), connect({ port: server.port, ring })]);
      results.push((async () => {
        const out = new Uint8Array(SIZE);
        let got = 0;
        const it = a.chunks({ bufferSize: 1024, buffers: 8 });
        for await (const chunk of it) {
          out.set(chunk, got);
          got += chunk.length;
          // A slow consumer: hold the buffer across a macrotask.
          if (got % 8192 < chunk.length) await new Promise((r) => setTimeout(r, 0));
          if (got >= SIZE) break;
        }
        rearms += (it as unknown as { rearms: number }).rearms;
        await a.close();
        return out.subarray(0, got);
      })());
      senders.push(b.sendAll(datas[i], { zeroCopy: false }).then(() => b.close()));
    }
    await Promise.all(senders);
    const got = await Promise.all(results);
    got.forEach((g, i) => assert.deepEqual(g, datas[i]));
    console.log(`# ENOBUFS re-arms: ${rearms}`);
    assert.ok(rearms > 0, "the shared buffers ran out at least once");
  });

  test(`${label} peer close ends chunks(); a reset throws ECONNRESET`, async () => {
    await using ring = create();
    await using server = await listen({ ring });
    // Peer close: the iterator ends after the data.
    {
      const [a, b] = await Promise.all([server.accept(), connect({ port: server.port, ring })]);
      await b.sendAll(new TextEncoder().encode("bye"));
      await b.close();
      const parts: string[] = [];
      for await (const c of a.chunks()) parts.push(new TextDecoder().decode(c));
      assert.equal(parts.join(""), "bye");
      await a.close();
    }
    // Reset: closing a socket with unread data in its receive queue sends RST.
    {
      const [a, b] = await Promise.all([server.accept(), connect({ port: server.port, ring })]);
      const it = a.chunks();
      const pending = it.next();
      await a.sendAll(new TextEncoder().encode("never read"), { zeroCopy: false });
      await new Promise((r) => setTimeout(r, 20)); // let it reach b's receive queue
      await b.close(); // unread data: RST instead of FIN
      await assert.rejects(
        (async () => {
          const first = await pending;
          if (!first.done) await it.next();
        })(),
        (e: unknown) => e instanceof UringError && e.code === "ECONNRESET",
      );
      // A send to the reset socket fails cleanly (EPIPE/ECONNRESET, no SIGPIPE).
      await assert.rejects(
        (async () => {
          for (let i = 0; i < 10; i++) await a.sendAll(new Uint8Array(1000), { zeroCopy: false });
        })(),
        (e: unknown) => e instanceof UringError && (e.code === "EPIPE" || e.code === "ECONNRESET"),
      );
      await a.close();
    }
  });

  test(`${label} break out of the accept loop and close end multishot accept cleanly`, async () => {
    await using ring = create();
    const server = await listen({ ring });
    const loop = (async () => {
      let n = 0;
      for await (const c of server) {
        n++;
        await c.close();
      }
      return n;
    })();
    const c = await connect({ port: server.port, ring });
    await new Promise((r) => setTimeout(r, 20));
    await server.close();
    assert.equal(await loop, 1);
    await c.close();
    await assert.rejects(
      connect({ port: server.port, ring }),
      (e: unknown) => e instanceof UringError && e.code === "ECONNREFUSED",
    );
  });

  test(`${label} connect with an aborted signal rejects with its reason`, async () => {
    await using ring = create();
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(
      connect({ port: 9, ring, signal: ac.signal }),
      (e: Error) => e.name === "AbortError",
    );
  });
}
