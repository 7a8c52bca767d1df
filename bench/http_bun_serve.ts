// Baseline for bench/http.sh: Bun.serve returning Bun.file() (its sendfile path).
// bun bench/http_bun_serve.ts ROOT PORT
const [root, port] = [process.argv[2], Number(process.argv[3])];
const server = Bun.serve({
  port,
  hostname: "127.0.0.1",
  idleTimeout: 0, // keep idle connections (bench/http.sh holds 10,000 open)
  async fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/hello") return new Response("hello, world\n");
    const f = Bun.file(root + path);
    return (await f.exists()) ? new Response(f) : new Response("not found\n", { status: 404 });
  },
});
console.log(`listening on http://127.0.0.1:${server.port}/`);
