// The fetch-handler path of serveDir for bench/http.sh: GET /hello answered by
// a web-standard handler (the static layer finds no such file).
// {deno run -A | bun} bench/http_jsuring_fetch.ts ROOT PORT
import process from "node:process";
import { serveDir } from "../mod.ts";
const [root, port] = [process.argv[2], Number(process.argv[3])];
const s = await serveDir({ root, port, hostname: "127.0.0.1", fetch: () => new Response("hello, world\n") });
console.log(`listening on ${s.url}`);
