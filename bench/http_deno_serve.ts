// Baseline for bench/http.sh: Deno.serve returning a file stream.
// deno run -A bench/http_deno_serve.ts ROOT PORT
const [root, port] = [Deno.args[0], Number(Deno.args[1])];
Deno.serve({
  port,
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}/`),
}, async (req) => {
  const path = new URL(req.url).pathname;
  if (path === "/hello") return new Response("hello, world\n");
  try {
    const f = await Deno.open(root + path);
    const { size } = await f.stat();
    return new Response(f.readable, { headers: { "content-length": String(size) } });
  } catch {
    return new Response("not found\n", { status: 404 });
  }
});
