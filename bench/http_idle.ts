// Idle keep-alive connections for bench/http.sh: open N connections to
// 127.0.0.1:PORT, make one request on each (GET PATH, keep-alive), keep them
// all open and idle; print "ready N" once every response has arrived, then
// hold them until stdin closes. `bun bench/http_idle.ts PORT N PATH`
import process from "node:process";
import { connect, type Socket } from "node:net";

const [port, n, path] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4] ?? "/4k.bin"];
const socks: Socket[] = [];
let answered = 0, failed = 0;
const BATCH = 500; // opened at a time, so the listen backlog is not the test

function one(): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ port, host: "127.0.0.1" });
    let got = 0, want = -1, head = "";
    const done = (ok: boolean) => {
      if (ok) answered++;
      else failed++;
      resolve();
    };
    s.on("connect", () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
    s.on("data", (d: Buffer) => {
      if (want < 0) {
        head += d.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const m = /content-length: *(\d+)/i.exec(head.slice(0, end));
        want = end + 4 + (m ? Number(m[1]) : 0);
        got = head.length;
      } else got += d.length;
      if (got >= want) done(true);
    });
    s.on("error", () => done(false));
    socks.push(s);
  });
}

for (let i = 0; i < n; i += BATCH) {
  await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, one));
}
console.log(`ready ${answered} ${failed}`);
process.stdin.resume();
process.stdin.on("end", () => {
  for (const s of socks) s.destroy();
  process.exit(0);
});
