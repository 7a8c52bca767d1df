/**
 * Lists every export of the package (mod.ts and the subpath entries of
 * deno.json: ./serve, ./ops, ./region, ./buffers, ./kmod) that has no
 * `@example`, or whose examples do not import from the package specifier
 * ("@jsuring/jsuring" or a subpath of it). Exits 1 if any.
 * Run: deno run -A scripts/doc_examples.ts
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = `${root}node_modules/.bin/deno`;
const config = JSON.parse(execFileSync("cat", [`${root}deno.json`], { encoding: "utf8" }));
const entries: string[] = typeof config.exports === "string" ? [config.exports] : Object.values(config.exports);
const bad: string[] = [];
let total = 0;
for (const entry of entries) {
  const json = JSON.parse(
    execFileSync(deno, ["doc", "--json", entry], { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 }),
  );
  type Decl = {
    kind: string;
    location?: { filename: string };
    jsDoc?: { doc?: string; tags?: { kind: string; doc?: string }[] };
  };
  for (const file of Object.values(json.nodes) as { symbols?: { name: string; declarations: Decl[] }[] }[]) {
    for (const sym of file.symbols ?? []) {
      total++;
      const decls = sym.declarations;
      const tags = decls.flatMap((d) => d.jsDoc?.tags ?? []);
      const examples = tags.filter((t) => t.kind === "example");
      const where = decls[0]?.location?.filename.replace(`file://${root}`, "") ?? "?";
      if (!examples.length) bad.push(`${sym.name} (${decls[0]?.kind}, ${where}): no @example`);
      else if (!examples.some((e) => /from "@jsuring\/jsuring(\/[a-z]+)?"/.test(e.doc ?? ""))) {
        bad.push(`${sym.name} (${decls[0]?.kind}, ${where}): example does not import from "@jsuring/jsuring"`);
      }
    }
  }
}
for (const b of bad) console.log(b);
console.log(`${total - bad.length} of ${total} exports have an @example importing from the package specifier`);
process.exit(bad.length ? 1 : 0);
