/**
 * The file server's command line (exported as `@jsuring/jsuring/serve`):
 *
 * ```sh
 * deno run --allow-ffi --allow-read=./public jsr:@jsuring/jsuring/serve ./public --port 8080
 * bun run serve.ts ./public --port 8080
 * ```
 *
 * Flags: `--port N` (default 8000; 0: any free port), `--host ADDR` (default
 * 0.0.0.0), `--index NAME` (default index.html), `--no-index`, `--cors
 * [ORIGIN]`, `--dotfiles` / `--no-dotfiles` (default: hidden), `--listing`,
 * `--workers N`, `--log` (one access-log line per response on stdout),
 * `--quiet` (nothing but the listening line). Once it accepts connections it
 * prints `listening on http://HOST:PORT/`; SIGINT or SIGTERM stop it
 * gracefully (requests in flight finish).
 *
 * @example
 * ```ts ignore
 * // deno run --allow-ffi --allow-read=. jsr:@jsuring/jsuring/serve . --port 0
 * import "@jsuring/jsuring/serve";
 * ```
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { serveDir } from "./server.ts";

const USAGE = `usage: serve <root> [--port 8000] [--host 0.0.0.0] [--index index.html | --no-index]
             [--cors [ORIGIN]] [--dotfiles | --no-dotfiles] [--listing] [--workers N] [--log] [--quiet]`;

function fail(message: string): never {
  console.error(`serve: ${message}\n${USAGE}`);
  process.exit(2);
}

/**
 * Run the command line with `args` (default: the process's arguments).
 *
 * @example
 * ```ts ignore
 * import { main } from "@jsuring/jsuring/serve";
 * await main(["./public", "--port", "0"]);
 * ```
 */
export async function main(args: string[] = process.argv.slice(2)): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        port: { type: "string", short: "p" },
        host: { type: "string" },
        index: { type: "string" },
        "no-index": { type: "boolean" },
        cors: { type: "string" },
        dotfiles: { type: "boolean" },
        "no-dotfiles": { type: "boolean" },
        listing: { type: "boolean" },
        workers: { type: "string" },
        log: { type: "boolean" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    // `--cors` alone: allow any origin.
    const i = args.indexOf("--cors");
    if (i >= 0 && (i === args.length - 1 || args[i + 1].startsWith("-"))) {
      return main([...args.slice(0, i), "--cors=*", ...args.slice(i + 1)]);
    }
    fail((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(USAGE);
    return;
  }
  if (parsed.positionals.length !== 1) fail("give exactly one root directory");
  const port = Number(v.port ?? "8000");
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got "${v.port}"`);
  const workers = Number(v.workers ?? "1");
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    fail(`--workers must be 1..256, got "${v.workers}"`);
  }
  const host = v.host ?? "0.0.0.0";
  const server = await serveDir({
    root: parsed.positionals[0],
    port,
    hostname: host,
    index: v["no-index"] ? false : v.index ?? "index.html",
    dotfiles: v.dotfiles === true && !v["no-dotfiles"],
    cors: v.cors === undefined ? undefined : v.cors === "*" ? true : v.cors,
    listing: v.listing === true,
    workers,
    onLog: v.log && !v.quiet ? (line) => console.log(line) : undefined,
  }).catch((e: Error) => {
    // A missing root, no read permission, a port in use: one line, no stack (exit 1; bad flags exit 2).
    console.error(`serve: ${e.message}`);
    process.exit(1);
  });
  console.log(`listening on http://${host}:${server.port}/`);
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    if (!v.quiet) console.error(`serve: ${sig}, finishing requests in flight`);
    server.shutdown().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

if (import.meta.main) await main();
