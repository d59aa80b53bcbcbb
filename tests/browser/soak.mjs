// A soak, not a test: trains one run of 100,000 steps in the page (CPU backend, baselines on,
// reports every 25 steps as the page does by default) and prints, every ~10,000 steps, the
// page's JS heap, the page's and the worker's WebAssembly memory and the browser's resident
// memory (all Chromium processes). Memory must stay flat: the charts' series and the kept
// history are bounded. Usage: node soak.mjs [dist-dir] [steps]
import { execSync } from 'node:child_process';
import path from 'node:path';
import { WEBGPU_FLAGS, launch, open, ready, serve, step, waitFor } from './lib.mjs';

const DIST = path.resolve(process.argv[2] ?? '../../dist');
const STEPS = Number(process.argv[3] ?? 100_000);
const EVERY = Math.max(1, Math.round(STEPS / 10));
const mb = (bytes) => +(bytes / 1048576).toFixed(1);

/** Resident memory of the Chromium processes in MB (Linux `ps`): all of them, and the page's
 *  renderer (the largest one) and the GPU process apart. */
function browserRss() {
  const lines = execSync('ps -C chromium -o rss=,args=', { encoding: 'utf8' }).trim().split('\n');
  const procs = lines.map((line) => {
    const [rss, ...args] = line.trim().split(/\s+/);
    return { kb: Number(rss), args: args.join(' ') };
  });
  const sum = (list) => mb(list.reduce((total, p) => total + p.kb * 1024, 0));
  const renderers = procs.filter((p) => p.args.includes('--type=renderer')).sort((a, b) => b.kb - a.kb);
  return {
    chromium_rss_mb: sum(procs),
    renderer_rss_mb: sum(renderers.slice(0, 1)),
    gpu_process_rss_mb: sum(procs.filter((p) => p.args.includes('--type=gpu-process'))),
  };
}

const server = await serve(DIST);
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await launch([...WEBGPU_FLAGS, '--enable-precise-memory-info']);
const { page, errors } = await open(browser, origin, `#backend=cpu&steps=${STEPS}`);
await ready(page, 'CPU');
await page.click('[data-testid="play"]');
const started = Date.now();
const rows = [];
let next = 0;
for (;;) {
  const now = await step(page);
  if (now >= next || now >= STEPS) {
    const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
    const [worker, pageWasm] = (await page.locator('[data-testid="memory"]').textContent()).split(' ').map(Number);
    const row = {
      step: now, minutes: +((Date.now() - started) / 60000).toFixed(1), page_js_heap_mb: mb(heap),
      page_wasm_mb: mb(pageWasm), worker_wasm_mb: mb(worker), ...browserRss(),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    next = now + EVERY;
  }
  if (now >= STEPS) break;
  await waitFor('progress', async () => true, 1000);
  await new Promise((r) => setTimeout(r, 2000));
}
const first = rows[1] ?? rows[0];
const last = rows[rows.length - 1];
console.log(JSON.stringify({
  steps: last.step, errors: errors.length,
  growth_after_the_first_interval_mb: Object.fromEntries(Object.keys(last).filter((k) => k.endsWith('_mb'))
    .map((k) => [k, +(last[k] - first[k]).toFixed(1)])),
}));
await browser.close();
server.close();
