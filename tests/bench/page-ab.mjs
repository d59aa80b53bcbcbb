// A/B of the page's live CPU run between builds (issue #11): each dist/ folder given is served
// on its own port and opened in turn, ROUNDS times interleaved, in one headless Chromium; each
// opening plays `HASH` (default: mmoe, batch 256, CPU), waits WARM_MS (2 s), then counts the page's steps
// over MS ms and reads the CPU time Chromium's processes used meanwhile (/proc). Interleaving
// matters on a shared machine whose speed drifts between runs. Prints ms/step per opening and
// the median per build; never asserts a time.
// Usage: node tests/bench/page-ab.mjs dist-a dist-b …   (ROUNDS=4 WARM_MS=2000 MS=6000 HASH=#backend=cpu&…)
import fs from 'node:fs';
import { WEBGPU_FLAGS, launch, open, ready, serve, step } from '../browser/lib.mjs';

const HASH = process.env.HASH ?? '#backend=cpu&arch=mmoe&batch_size=256&baselines=false&steps=1000000';
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const MS = Number(process.env.MS ?? 6000);
const WARM_MS = Number(process.env.WARM_MS ?? 2000);

/** CPU ms used so far by Chromium's processes, summed by process type (renderer, gpu-process…). */
function chromiumCpuMs() {
  const out = {};
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('chromium')) continue;
      const type = cmd.match(/--type=([a-z-]+)/)?.[1] ?? 'browser';
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      // utime and stime, in clock ticks of 10 ms.
      out[type] = (out[type] ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10;
    } catch { /* the process ended */ }
  }
  return out;
}

const dists = process.argv.slice(2);
if (dists.length === 0) throw new Error('usage: node tests/bench/page-ab.mjs dist-a [dist-b …]');
const servers = await Promise.all(dists.map((d) => serve(d)));
const browser = await launch(WEBGPU_FLAGS);
const results = dists.map(() => []);
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, server] of servers.entries()) {
      const { page } = await open(browser, `http://127.0.0.1:${server.address().port}`, HASH);
      await ready(page, 'CPU');
      await page.click('[data-testid="play"]');
      await page.waitForTimeout(WARM_MS);
      const [s0, t0, c0] = [await step(page), Date.now(), chromiumCpuMs()];
      await page.waitForTimeout(MS);
      const [s1, t1, c1] = [await step(page), Date.now(), chromiumCpuMs()];
      const ms = (t1 - t0) / (s1 - s0);
      results[i].push(ms);
      const share = (type) => `${(((c1[type] ?? 0) - (c0[type] ?? 0)) / (t1 - t0) * 100).toFixed(0)}%`;
      console.log(`${dists[i].padEnd(20)} ${ms.toFixed(3)} ms/step   CPU: renderer ${share('renderer')}, GPU process ${share('gpu-process')}`);
      await page.close();
    }
  }
} finally {
  await browser.close();
  for (const server of servers) server.close();
}
for (const [i, dist] of dists.entries()) {
  const sorted = [...results[i]].sort((a, b) => a - b);
  console.log(`${dist}: median ${sorted[sorted.length >> 1].toFixed(3)} ms/step (${sorted.map((x) => x.toFixed(2)).join(' ')})`);
}
