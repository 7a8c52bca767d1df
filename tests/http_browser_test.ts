// A real browser against the file server: Debian's headless chromium loads a
// page with CSS, a module script and an image, then a <video> element seeks
// into a media file (Range requests). The page writes what it saw into its
// DOM, which chromium prints (--dump-dom) once the page settled.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveDir } from "../mod.ts";

const CHROMIUM = "/usr/bin/chromium";
const T = { timeout: 120_000 };

/** A mono 8 kHz 16-bit PCM WAV of `seconds` (a tone): big enough that a seek needs a Range request. */
function wav(seconds: number): Uint8Array {
  const rate = 8000, n = rate * seconds, out = new Uint8Array(44 + n * 2);
  const dv = new DataView(out.buffer);
  const str = (at: number, s: string) => [...s].forEach((c, i) => out[at + i] = c.charCodeAt(0));
  str(0, "RIFF");
  dv.setUint32(4, 36 + n * 2, true);
  str(8, "WAVEfmt ");
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true);
  dv.setUint16(22, 1, true);
  dv.setUint32(24, rate, true);
  dv.setUint32(28, rate * 2, true);
  dv.setUint16(32, 2, true);
  dv.setUint16(34, 16, true);
  str(36, "data");
  dv.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) dv.setInt16(44 + i * 2, Math.round(8000 * Math.sin(i / 10)), true);
  return out;
}

// The classic 1×1 GIF.
const GIF = Uint8Array.from(
  atob("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="),
  (c) => c.charCodeAt(0),
);

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="stylesheet" href="style.css"><title>t</title></head>
<body>
<div id="box">box</div>
<img id="img" src="img/dot.gif">
<video id="v" preload="auto" src="media/tone.wav"></video>
<pre id="out">pending</pre>
<script type="module" src="app.js"></script>
</body></html>
`;

const APP = `
const out = document.getElementById("out");
const r = { css: getComputedStyle(document.getElementById("box")).color, js: true };
const img = document.getElementById("img");
const imgDone = img.complete ? Promise.resolve() : new Promise((ok) => { img.onload = ok; img.onerror = ok; });
const v = document.getElementById("v");
const meta = v.readyState >= 1 ? Promise.resolve() : new Promise((ok, no) => { v.onloadedmetadata = ok; v.onerror = () => no(new Error("video error " + (v.error && v.error.code))); });
try {
  await imgDone;
  r.img = img.naturalWidth;
  await meta;
  r.duration = Math.round(v.duration);
  const seeked = new Promise((ok) => v.onseeked = ok);
  v.currentTime = 50;
  await seeked;
  r.seekedTo = Math.round(v.currentTime);
} catch (e) { r.error = String(e); }
out.textContent = "RESULT " + JSON.stringify(r);
`;

test("headless chromium: page, CSS, JS, image; <video> seeks with Range requests", T, async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip("requires Debian's chromium (/usr/bin/chromium; apt-get install chromium)");
    return;
  }
  const root = mkdtempSync(join(tmpdir(), "jsuring-browser-"));
  const profile = mkdtempSync(join(tmpdir(), "jsuring-chromium-"));
  const log: string[] = [];
  try {
    writeFileSync(join(root, "index.html"), PAGE);
    writeFileSync(join(root, "style.css"), "#box { color: rgb(1, 2, 3); }\n");
    writeFileSync(join(root, "app.js"), APP);
    await import("node:fs").then((fs) => {
      fs.mkdirSync(join(root, "img"));
      fs.mkdirSync(join(root, "media"));
    });
    writeFileSync(join(root, "img", "dot.gif"), GIF);
    writeFileSync(join(root, "media", "tone.wav"), wav(60));
    await using server = await serveDir({ root, port: 0, hostname: "127.0.0.1", onLog: (l) => log.push(l) });
    const dom = await new Promise<string>((resolve, reject) => {
      execFile(
        CHROMIUM,
        [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--autoplay-policy=no-user-gesture-required",
          `--user-data-dir=${profile}`,
          "--virtual-time-budget=20000",
          "--dump-dom",
          server.url,
        ],
        { timeout: 90_000, maxBuffer: 8 << 20 },
        (err, stdout, stderr) =>
          err && !stdout ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    const m = /RESULT (\{.*\})/.exec(dom);
    assert.ok(m, `the page's script ran and reported: ${dom.slice(0, 500)}\nserver log:\n${log.join("\n")}`);
    const r = JSON.parse(m[1].replace(/&quot;/g, '"'));
    assert.equal(r.error, undefined, `${m[1]}\n${log.join("\n")}`);
    assert.equal(r.js, true);
    assert.equal(r.css, "rgb(1, 2, 3)", "the stylesheet arrived with a CSS type");
    assert.equal(r.img, 1, "the image decoded");
    assert.equal(r.duration, 60);
    assert.equal(r.seekedTo, 50);
    const media = log.filter((l) => l.includes("/media/tone.wav"));
    assert.ok(media.some((l) => / 206 \d+$/.test(l)), `Range requests for the media:\n${media.join("\n")}`);
    for (const path of ["/ ", "/style.css", "/app.js", "/img/dot.gif"]) {
      assert.ok(
        log.some((l) => l.includes(`GET ${path}`) && / 200 \d+$/.test(l)),
        `${path} served: ${log.join("\n")}`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
});
