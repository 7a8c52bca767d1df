/**
 * Lay out a publish set as jsr's npm compatibility layer does (run by Bun,
 * for its transpiler): each .ts file becomes .js with relative `.ts` import
 * specifiers rewritten to `.js`; other files are copied as they are.
 * Usage: bun scripts/_jsr_npm.ts <package root> <files.json> <out dir>
 *
 * @module
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";

const [root, list, out] = process.argv.slice(2);
const files: string[] = JSON.parse(readFileSync(list, "utf8"));
// deno-lint-ignore no-explicit-any
const transpiler = new (globalThis as any).Bun.Transpiler({ loader: "ts", target: "bun" });
for (const f of files) {
  const src = join(root, f);
  mkdirSync(dirname(join(out, f)), { recursive: true });
  if (!f.endsWith(".ts")) {
    copyFileSync(src, join(out, f));
    continue;
  }
  const js = transpiler.transformSync(readFileSync(src, "utf8"))
    .replace(/(from\s*|import\s*\(\s*|import\s+)(["'])(\.{1,2}\/[^"']*)\.ts\2/g, "$1$2$3.js$2");
  writeFileSync(join(out, f.replace(/\.ts$/, ".js")), js);
}
