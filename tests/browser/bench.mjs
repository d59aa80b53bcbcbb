// The playground's speed in headless Chromium (software WebGPU = SwiftShader; CPU = burn's
// flex backend in wasm): steps per second of a model over a timed window, the time from page
// load until the run is ready and until its first step, and the .wasm sizes.
// Then a comparison (2 methods × 3 seeds, CPU) with the page's worker pool against the same
// runs one after another (a pool of one worker): wall times and the ratio.
// Usage: node bench.mjs [dist-dir] [hash]   (default hash: mmoe, batch 256, no baselines)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { WEBGPU_FLAGS, firstStep, launch, open, ready, serve, step, waitFor } from './lib.mjs';

const DIST = path.resolve(process.argv[2] ?? '../../dist');
const MODEL = process.argv[3] ?? 'arch=mmoe&batch_size=256&baselines=false&steps=1000000';
const WINDOWS = { cpu: { warm: 3_000, timed: 10_000 }, webgpu: { warm: 8_000, timed: 30_000 } };

async function measure(browser, origin, backend) {
  const { page } = await open(browser, origin, `#backend=${backend}&${MODEL}`);
  await ready(page, backend === 'cpu' ? 'CPU' : 'WebGPU', 180_000);
  const readyMs = await page.evaluate(() => performance.now());
  await page.click('[data-testid="play"]');
  await firstStep(page, 180_000);
  const firstStepMs = await page.evaluate(() => performance.now());
  await page.waitForTimeout(WINDOWS[backend].warm);
  const [s0, t0] = [await step(page), Date.now()];
  await page.waitForTimeout(WINDOWS[backend].timed);
  const [s1, t1] = [await step(page), Date.now()];
  await page.close();
  return {
    backend,
    steps_per_second: +((s1 - s0) / ((t1 - t0) / 1000)).toFixed(1),
    page_load_to_ready_s: +(readyMs / 1000).toFixed(2),
    play_to_first_step_s: +((firstStepMs - readyMs) / 1000).toFixed(2),
  };
}

/** Wall seconds of a 2 methods × 3 seeds comparison with `workers` workers (0: the page's). */
async function comparison(browser, origin, workers) {
  const hash = '#backend=cpu&arch=mmoe&steps=300&eval_every=100&batch_size=256'
    + '&compare.weighting=equal,uncertainty&compare.seeds=1,2,3';
  const { page } = await open(browser, origin, hash);
  await ready(page, 'CPU', 180_000);
  if (workers > 0) {
    await page.fill('[data-testid="compare-workers"]', String(workers));
    await page.dispatchEvent('[data-testid="compare-workers"]', 'change');
  }
  const pool = await page.locator('[data-testid="compare-workers"]').inputValue();
  await page.click('[data-testid="compare-start"]');
  await waitFor('the comparison to finish', async () =>
    (await page.locator('[data-testid="compare-progress"]').getAttribute('data-phase')) === 'finished', 900_000, 250);
  const progress = await page.locator('[data-testid="compare-progress"] p').first().innerText();
  await page.close();
  return { workers: Number(pool), wall_s: Number(progress.match(/([\d.]+) s with/)[1]) };
}

const server = await serve(DIST);
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await launch(WEBGPU_FLAGS);
console.log(`model: ${MODEL}`);
for (const backend of ['cpu', 'webgpu']) console.log(JSON.stringify(await measure(browser, origin, backend)));
const pooled = await comparison(browser, origin, 0);
const serial = await comparison(browser, origin, 1);
console.log(JSON.stringify({
  comparison: '2 methods × 3 seeds, mmoe, 300 steps, CPU (6 runs + 3 baselines)',
  pool: pooled, one_after_another: serial, speedup: +(serial.wall_s / pooled.wall_s).toFixed(2),
  hardware_threads: (await import('node:os')).cpus().length,
}));
await browser.close();
server.close();
for (const file of fs.readdirSync(DIST).filter((f) => f.endsWith('.wasm'))) {
  const bytes = fs.readFileSync(path.join(DIST, file));
  console.log(`${file}: ${(bytes.length / 1e6).toFixed(1)} MB, ${(zlib.gzipSync(bytes, { level: 9 }).length / 1e6).toFixed(2)} MB gzip`);
}
