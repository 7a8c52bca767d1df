// Counts leaf test cases in a JUnit XML report as "passed failed skipped".
// Deno reports a describe() group as a test case and its tests as "group > name"
// steps; Bun reports only leaves. A case whose name prefixes another's
// ("group > ...") is a group, not a test, and is not counted.
import { readFileSync } from "node:fs";

const xml = readFileSync(process.argv[2], "utf8");
const cases = [];
const re = /<testcase\b[^>]*\bname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
for (const m of xml.matchAll(re)) {
  const body = m[3] ?? "";
  cases.push({
    name: m[1],
    failed: /<failure\b|<error\b/.test(body),
    skipped: /<skipped\b/.test(body),
  });
}
const groups = new Set();
for (const c of cases) {
  const parts = c.name.split(" &gt; ");
  for (let i = 1; i < parts.length; i++) groups.add(parts.slice(0, i).join(" &gt; "));
}
let passed = 0, failed = 0, skipped = 0;
for (const c of cases) {
  if (groups.has(c.name)) continue;
  if (c.failed) failed++;
  else if (c.skipped) skipped++;
  else passed++;
}
console.log(`${passed} ${failed} ${skipped}`);
