/**
 * Nothing lost, nothing corrupted (issue 16, library defects 1–4).
 *
 * - A multishot the kernel stops because it could not post a CQE (CQ full:
 *   a valid result without IORING_CQE_F_MORE) is re-armed, not taken as the
 *   end of the stream, of the listener, of the timer or of the poll.
 * - Ending a multishot (abort, break, close) is guaranteed even when the
 *   cancel finds nothing (a firing multishot timeout on a DEFER_TASKRUN ring).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Arena, AsyncRing, connect, listen, Ring, type TcpConn } from "../mod.ts";
import { getNative } from "../src/runtime/_ffi.ts";
import { Errno } from "../src/errors/errno.ts";
import { forceGc, needsKernel, pattern, skipIf } from "./_helpers.ts";
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `n` FIFOs' read and write ends (each opened r+ first, so no open blocks); one mkfifo for all. */
function pipes(n: number): [r: number, w: number][] {
  const dir = mkdtempSync(join(tmpdir(), "jsuring-rel-"));
  const paths = Array.from({ length: n }, (_, i) => join(dir, `fifo${i}`));
  execFileSync("mkfifo", paths);
  const out = paths.map((path): [number, number] => {
    const r = openSync(path, "r+");
    return [r, openSync(path, "w")];
  });
  rmSync(dir, { recursive: true });
  return out;
}

/** One FIFO. */
function pipe(): [r: number, w: number] {
  return pipes(1)[0];
}

/** Whether every byte of `a` is `v` (a plain loop: fast on both runtimes). */
function onlyByte(a: Uint8Array, v: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== v) return false;
  return true;
}

/** Block the JS thread (no enter, no reap) for `ms`: lets timers fire and CQEs pile up. */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

async function readToEnd(conn: TcpConn, max: number, options = {}): Promise<Uint8Array> {
  const out = new Uint8Array(max);
  let got = 0;
  for await (const chunk of conn.chunks(options)) {
    assert.ok(got + chunk.length <= max, `more bytes than sent: ${got + chunk.length} > ${max}`);
    out.set(chunk, got);
    got += chunk.length;
  }
  return out.subarray(0, got);
}

/** Multishot timeouts (IORING_TIMEOUT_MULTISHOT) arrived in 6.4. */
const TICKS = skipIf(needsKernel("6.4", "multishot timeouts (IORING_TIMEOUT_MULTISHOT)"));

const MODES = [
  { name: "plain", opts: {} },
  { name: "DEFER_TASKRUN", opts: { singleIssuer: true, deferTaskrun: true } },
];

for (const mode of MODES) {
  const label = `[${mode.name}]`;

  test(`${label} a multishot recv stopped by a full 8-entry CQ is re-armed: all 6,400 bytes arrive, the stream ends only at peer close`, async () => {
    await using small = AsyncRing.create({ entries: 8, cqEntries: 8, ...mode.opts });
    await using peer = AsyncRing.create(mode.opts);
    await using server = await listen({ ring: peer });
    const [client, conn] = await Promise.all([
      connect({ port: server.port, ring: small }),
      server.accept(),
    ]);
    const data = pattern(6400, 7);
    // Small sends and small receive buffers: many CQEs per burst.
    const reader = readToEnd(client, data.length, { bufferSize: 16, buffers: 1024 });
    for (let i = 0; i < data.length; i += 64) {
      await conn.sendAll(data.subarray(i, i + 64), { zeroCopy: false });
    }
    await conn.shutdown("write");
    const got = await reader;
    assert.equal(got.length, data.length, `received ${got.length} of ${data.length} bytes`);
    assert.deepEqual(got, data);
    await conn.close();
    await client.close();
  });

  test(`${label} multishot accept stopped by a full 8-entry CQ is re-armed: 32 waiting clients are all accepted`, async () => {
    await using small = AsyncRing.create({ entries: 8, cqEntries: 8, ...mode.opts });
    await using peer = AsyncRing.create(mode.opts);
    await using server = await listen({ ring: small, backlog: 64 });
    // All 32 wait in the backlog before the accept loop starts.
    const clients = await Promise.all(Array.from({ length: 32 }, () => connect({ port: server.port, ring: peer })));
    const accepted: TcpConn[] = [];
    for await (const c of server) {
      accepted.push(c);
      if (accepted.length === 32) break;
    }
    assert.equal(accepted.length, 32);
    for (const c of [...accepted, ...clients]) await c.close();
  });

  // A guard at default sizes (the issue saw no stream complete there; on this
  // machine main passes it too: the 8-entry CQ tests above are the
  // deterministic reproductions of the same defect).
  test(`${label} 64 connections × 64 KiB on one ring at default sizes all complete with the bytes sent`, async () => {
    await using ring = AsyncRing.create(mode.opts);
    await using server = await listen({ ring, backlog: 128 });
    const N = 64, SIZE = 64 * 1024;
    const datas = Array.from({ length: N }, (_, i) => pattern(SIZE, 1000 + i));
    const received: Promise<Uint8Array>[] = [];
    const acceptor = (async () => {
      for await (const conn of server) {
        received.push(readToEnd(conn, SIZE).finally(() => conn.close()));
        if (received.length === N) break;
      }
    })();
    await Promise.all(datas.map(async (data) => {
      const c = await connect({ port: server.port, ring });
      await c.sendAll(data);
      await c.shutdown("write");
      await c.close();
    }));
    await acceptor;
    const got = await Promise.all(received);
    // Accept order is not connect order: match each stream to its sender by its first bytes.
    const byHead = new Map(datas.map((d) => [d.subarray(0, 16).join(","), d]));
    let complete = 0;
    for (const g of got) {
      const want = byHead.get(g.subarray(0, 16).join(","));
      if (want && g.length === SIZE && g.every((b, i) => b === want[i])) complete++;
    }
    assert.equal(complete, N, `${complete} of ${N} streams complete`);
  });

  test(`${label} a multishot timeout stopped by a full CQ is re-armed: ticks() yields every tick asked for`, { skip: TICKS }, async () => {
    await using ring = AsyncRing.create({ entries: 8, cqEntries: 8, ...mode.opts });
    let n = 0;
    for await (const t of ring.ticks(1, { count: 12 })) {
      assert.equal(t.res, -Errno.ETIME);
      n++;
      // Fill the CQ behind the timer's back: 16 NOPs complete inline, more
      // than the CQ holds, and the next tick cannot be posted.
      const nops = Array.from({ length: 16 }, () => ring.nop());
      blockFor(3);
      await Promise.all(nops);
    }
    assert.equal(n, 12);
  });
}

for (const mode of MODES) {
  const label = `[${mode.name}]`;
  const defer = mode.name === "DEFER_TASKRUN";

  test(`${label} a multishot poll stopped by a full CQ is re-armed: readiness keeps being reported`, async () => {
    await using ring = AsyncRing.create({ entries: 8, cqEntries: 8, ...mode.opts });
    const [r, w] = pipe();
    try {
      const ac = new AbortController();
      let n = 0;
      writeSync(w, new Uint8Array(1));
      for await (const ev of ring.poll(r, 1 /* POLLIN */, { signal: ac.signal })) {
        assert.ok(ev.res & 1);
        if (++n === 12) break;
        // A full CQ behind the poll's back, then readiness again: the
        // kernel cannot post the poll's CQE and ends the request.
        const nops = Array.from({ length: 16 }, () => ring.nop());
        writeSync(w, new Uint8Array(1));
        await Promise.all(nops);
      }
      assert.equal(n, 12);
    } finally {
      closeSync(r);
      closeSync(w);
    }
  });

  test(`${label} abort and break always end a firing multishot timeout: no tick after the stop, the kernel request ends`, { skip: TICKS }, async () => {
    await using ring = AsyncRing.create(mode.opts);
    let retries = 0;
    for (let round = 0; round < 40; round++) {
      const ac = new AbortController();
      const it = ring.ticks(1, { signal: ac.signal });
      let n = 0, after = 0;
      for await (const _ of it) {
        if (n === 2) {
          after++; // delivered after the stop
          if (after > 3) break;
          continue;
        }
        if (++n === 2) {
          // The timer fires while this thread is not in the kernel; on a
          // DEFER_TASKRUN ring its completion then waits for our next enter,
          // the one that carries the cancel: the cancel finds nothing
          // (-ENOENT) and must be sent again.
          blockFor(3);
          if (round % 2 === 0) ac.abort();
          else break;
        }
      }
      assert.equal(after, 0, `round ${round}: ${after} ticks delivered after the stop`);
      await it.finished;
      assert.ok(it.ended);
      retries += it.cancelRetries;
      await ring.nop();
      assert.equal(ring.inFlight, 0, `round ${round}: the timeout still runs in the kernel`);
    }
    // The race is forced on DEFER_TASKRUN rings: the retry path ran.
    if (defer) assert.ok(retries > 0, "no cancel ever found nothing: the race was not exercised");
  });

  test(`${label} break, abort and close end multishot accept, recv and poll: the kernel requests end too`, async () => {
    await using ring = AsyncRing.create(mode.opts);
    await using server = await listen({ ring });
    for (let round = 0; round < 10; round++) {
      const ac = new AbortController();
      const accepts = server.connections({ signal: ac.signal });
      const first = accepts.next();
      const client = await connect({ port: server.port, ring });
      const conn = (await first).value as TcpConn;
      const chunks = conn.chunks();
      const got = chunks.next();
      await client.sendAll(new Uint8Array([round]), { zeroCopy: false });
      assert.deepEqual([...(await got).value!], [round]);
      const [r, w] = pipe();
      const polls = ring.poll(r, 1, round % 2 ? { signal: ac.signal } : {});
      const polled = polls.next();
      writeSync(w, new Uint8Array(1));
      assert.ok(((await polled).value!.res & 1) !== 0);
      // Stop all three, by abort or by return().
      if (round % 2) ac.abort();
      else {
        await accepts.return(undefined);
        await polls.return();
      }
      await chunks.return!();
      assert.equal((await accepts.next()).done, true);
      assert.equal((await polls.next()).done, true);
      await polls.finished;
      await client.close();
      await conn.close();
      closeSync(r);
      closeSync(w);
    }
    await server.close();
    await ring.nop();
    assert.equal(ring.inFlight, 0, "a multishot request still runs in the kernel");
  });
}

// ------------------------------------------------- buffer lifetime (item 4)

test("detaching a view over library memory (an arena) never frees or moves it: the kernel's writes stay in library memory", () => {
  using arena = Arena.create({ memory: "pages", size: 1 << 20 });
  const s = arena.alloc(65536);
  const mine = new Uint8Array(getNative().view(s.address, 65536)); // the library's own view
  const theirs = new Uint8Array(getNative().view(s.address, 65536)); // what a caller holds
  theirs.fill(0xab);
  // A transfer to another length copies out of it; one of the same length
  // moves the same (external) memory; structuredClone likewise.
  const moved = theirs.buffer.transfer(1024);
  assert.equal(theirs.buffer.detached, true);
  assert.notEqual(getNative().addressOf(new Uint8Array(moved)), s.address);
  const again = new Uint8Array(getNative().view(s.address, 65536));
  const same = again.buffer.transfer();
  assert.equal(getNative().addressOf(new Uint8Array(same)), s.address);
  assert.ok(mine.every((b) => b === 0xab), "the memory changed under a detach");
  forceGc();
  mine.fill(0x11); // the kernel writing after the detach
  const junk = Array.from({ length: 64 }, () => new Uint8Array(65536).fill(0x77));
  assert.ok(mine.every((b) => b === 0x11), "the runtime reused library memory");
  assert.equal(junk.length, 64);
});

for (const kind of ["Ring", "AsyncRing"] as const) {
  test(`${kind}: transfer() of a pending read's buffer corrupts nothing: the read's bytes land in library memory, never in the runtime's`, async () => {
    const MARK = 0x5a, N = 8, SIZE = 64 * 1024;
    for (let round = 0; round < 6; round++) {
      // One FIFO per read: each read waits until its FIFO gets data.
      const fifos = pipes(N);
      try {
        const bufs = Array.from({ length: N }, () => new Uint8Array(SIZE));
        const results: Promise<number>[] = [];
        let sync: Ring | undefined, aring: AsyncRing | undefined;
        if (kind === "Ring") {
          sync = Ring.create({ entries: 16 });
          bufs.forEach((b, i) => sync!.read(fifos[i][0], b, -1));
          sync.submit();
        } else {
          aring = AsyncRing.create({ entries: 16 });
          bufs.forEach((b, i) => results.push(aring!.read(fifos[i][0], b, -1)));
          await new Promise((res) => setTimeout(res, 1)); // submitted: the reads wait on their empty FIFOs
        }
        // The caller detaches every pending read's buffer (the runtime frees
        // or reallocates the memory), then allocates and fills other buffers.
        for (const b of bufs) b.buffer.transfer(16);
        forceGc();
        const others = Array.from({ length: 64 }, () => new Uint8Array(SIZE).fill(0x01));
        // Now the data arrives.
        const data = new Uint8Array(SIZE).fill(MARK);
        for (const [, w] of fifos) writeSync(w, data);
        if (sync) {
          let done = 0;
          while (done < N) {
            sync.submitAndWait(1);
            done += sync.reap((res) => assert.ok(res > 0, `read failed: ${res}`));
          }
          sync.close();
        } else {
          for (const p of results) assert.ok((await p) > 0);
          aring!.close();
        }
        // No foreign bytes anywhere.
        for (const o of others) assert.ok(onlyByte(o, 0x01), "a read's bytes landed in another buffer");
        const fresh = Array.from({ length: 64 }, () => new Uint8Array(SIZE));
        for (const f of fresh) assert.ok(onlyByte(f, 0), "a read's bytes landed in fresh memory");
      } finally {
        for (const [r, w] of fifos) {
          closeSync(r);
          closeSync(w);
        }
      }
    }
  });
}
