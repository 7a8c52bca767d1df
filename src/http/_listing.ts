/**
 * The optional HTML directory listing (names escaped, dotfiles hidden unless
 * allowed, directories first).
 *
 * @module
 */
import { readdir } from "node:fs/promises";
import { encodePath } from "./response.ts";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The listing of `path` (normalised, ending in "/") under `root`, or undefined. */
export async function listDirectory(
  root: string,
  path: string,
  dotfiles: boolean,
): Promise<string | undefined> {
  let entries;
  try {
    entries = await readdir(root + path, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const rows = entries
    .filter((d) => dotfiles || !d.name.startsWith("."))
    .map((d) => ({ name: d.name + (d.isDirectory() ? "/" : ""), dir: d.isDirectory() }))
    .sort((a, b) => (a.dir === b.dir ? (a.name < b.name ? -1 : 1) : a.dir ? -1 : 1))
    .map((d) => `<li><a href="${escapeHtml(encodePath(path + d.name))}">${escapeHtml(d.name)}</a></li>`);
  const title = escapeHtml(path);
  const up = path === "/" ? "" : `<li><a href="../">../</a></li>`;
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Index of ${title}</title></head>\n<body><h1>Index of ${title}</h1><ul>${up}${
    rows.join("")
  }</ul></body></html>\n`;
}
