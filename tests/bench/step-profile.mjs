// Where a WebGPU training step's time goes (issue #11), in headless Chromium with software WebGPU.
// Drives a worker of Seesaw's built page through its `Train` message (as the comparison panel
// does) and reports, per batch size, the step's ms: the difference between a run of 10 steps
// and one of 10 + STEPS (so set-up, kernel compiles and the final report cancel). With a trace
// (the default), it then reads Chromium's trace of the batch-256 run: each thread's busy share
// (the worker's wasm, the GPU process, the renderer) and the worker's hottest functions.
// Whatever no traced thread accounts for is SwiftShader executing the kernels on its own threads.
// Writes target/bench/step-profile.json; never asserts a time.
// Usage: node tests/bench/step-profile.mjs [dist-dir]
//   BATCHES=16,64,256,1024  STEPS=40  RUNS=1 (K stacked runs)  BACKEND=webgpu|cpu  TRACE=0
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WEBGPU_FLAGS, launch, open, ready, serve, startWorker, trainInWorker } from '../browser/lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist'));
const BATCHES = (process.env.BATCHES ?? '16,64,256,1024').split(',').map(Number);
const STEPS = Number(process.env.STEPS ?? 40);
const RUNS = Number(process.env.RUNS ?? 1);
const BACKEND = process.env.BACKEND ?? 'webgpu';
const TRACED_BATCH = process.env.TRACE === '0' ? null : 256;
const OUT_FILE = path.join(ROOT, 'target/bench/step-profile.json');

let nextId = 1;
/** RUNS mmoe jobs (seeds 1..RUNS) of `steps` steps at `batch`, one report at the end. */
const jobs = (steps, batch) => Array.from({ length: RUNS }, (_, k) => [nextId++, {
  seed: k + 1, arch: { kind: 'mmoe' }, weighting: { kind: 'equal' }, baselines: false,
  train: { steps, eval_every: steps, batch_size: batch },
}]);

/** Trains `list` in the page's worker: the ms from `Train` to the last job's result. */
async function train(page, list) {
  const { ms, reports } = await trainInWorker(page, list, BACKEND);
  return { ms, failed: Object.values(reports).map((r) => r.failed).find(Boolean) };
}

/** Busy ms per thread (the union of its trace slices) and the worker's top self-time functions. */
function summarise(trace, wallMs) {
  const events = trace.traceEvents ?? trace;
  const names = new Map();
  const processes = new Map();
  for (const e of events.filter((e) => e.ph === 'M')) {
    if (e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
    if (e.name === 'process_name') processes.set(e.pid, e.args.name);
  }
  const slices = new Map();
  for (const e of events.filter((e) => e.ph === 'X' && e.dur > 0)) {
    const key = `${e.pid}:${e.tid}`;
    if (!slices.has(key)) slices.set(key, []);
    slices.get(key).push([e.ts, e.ts + e.dur]);
  }
  const threads = [...slices].map(([key, list]) => {
    list.sort((a, b) => a[0] - b[0]);
    let busy = 0;
    let [start, end] = list[0];
    for (const [a, b] of list.slice(1)) {
      if (a > end) { busy += end - start; [start, end] = [a, b]; } else end = Math.max(end, b);
    }
    busy += end - start;
    const pid = Number(key.split(':')[0]);
    return { thread: `${processes.get(pid) ?? pid} / ${names.get(key) ?? key}`, busy_ms: Math.round(busy / 1000), busy_share: +(busy / 1000 / wallMs).toFixed(3) };
  }).sort((a, b) => b.busy_ms - a.busy_ms).slice(0, 6);
  // V8's sampling profile: one node tree per thread, samples naming the node that ran.
  const profiles = new Map();
  for (const e of events.filter((e) => e.name === 'ProfileChunk')) {
    const key = `${e.pid}:${e.id}`;
    if (!profiles.has(key)) profiles.set(key, { nodes: new Map(), samples: [] });
    const profile = profiles.get(key);
    for (const node of e.args.data.cpuProfile?.nodes ?? []) profile.nodes.set(node.id, node.callFrame.functionName || `(${node.callFrame.url ?? ''})`);
    profile.samples.push(...(e.args.data.cpuProfile?.samples ?? []));
  }
  // The worker's profile: the thread with the most samples that are not idle (the worker trains
  // throughout the traced run; the page's threads mostly wait).
  let worker = null;
  for (const profile of profiles.values()) {
    const counts = new Map();
    for (const id of profile.samples) counts.set(profile.nodes.get(id), (counts.get(profile.nodes.get(id)) ?? 0) + 1);
    const busy = profile.samples.length - (counts.get('(idle)') ?? 0);
    if (!worker || busy > worker.busy) worker = { busy, total: profile.samples.length, counts };
  }
  const hottest = worker ? [...worker.counts].filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1]).slice(0, 12)
    .map(([name, n]) => ({ function: name.replace(/::h[0-9a-f]{16}/, '').slice(0, 100), share_of_busy: +(n / worker.busy).toFixed(3) })) : [];
  return { threads, worker_samples: worker && { busy: worker.busy, total: worker.total }, worker_hottest: hottest };
}

const server = await serve(DIST);
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await launch(WEBGPU_FLAGS);
const out = { backend: BACKEND, runs: RUNS, steps: STEPS, rows: [], trace: null };
try {
  const { page } = await open(browser, origin, '#backend=cpu');
  await ready(page, 'CPU');
  await startWorker(page, BACKEND); // the build the page starts for the backend
  out.adapter = await page.evaluate(async () => {
    const info = (await navigator.gpu?.requestAdapter())?.info;
    return info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : null;
  });
  for (const batch of BATCHES) {
    const warm = await train(page, jobs(40, batch)); // compiles this shape's kernels
    const short = await train(page, jobs(10, batch));
    const long = await train(page, jobs(10 + STEPS, batch));
    const traced = batch === TRACED_BATCH;
    if (traced) { // once more, traced (tracing slows it): the row keeps the untraced time
      await browser.startTracing(page, {
        categories: ['toplevel', 'v8.execute', 'gpu', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-v8.cpu_profiler'],
      });
      const again = await train(page, jobs(10 + STEPS, batch));
      out.trace = { batch, wall_ms: Math.round(again.ms), ...summarise(JSON.parse(await browser.stopTracing()), again.ms) };
    }
    const failed = warm.failed ?? short.failed ?? long.failed;
    const msPerStep = (long.ms - short.ms) / STEPS;
    out.rows.push({ batch, ms_per_step: +msPerStep.toFixed(1), failed });
    console.log(`batch ${String(batch).padStart(5)}: ${failed ? `FAILED ${failed}` : `${msPerStep.toFixed(1)} ms/step`} (${RUNS} run${RUNS > 1 ? 's stacked' : ''}, ${BACKEND}${traced ? ', traced' : ''})`);
  }
} finally {
  await browser.close();
  server.close();
}
if (out.trace) {
  console.log(`\ntrace of batch ${out.trace.batch} (${out.trace.wall_ms} ms for 10 + ${STEPS} steps and a report, traced):`);
  for (const t of out.trace.threads) console.log(`  ${String(t.busy_ms).padStart(6)} ms busy (${(100 * t.busy_share).toFixed(1)}%)  ${t.thread}`);
  console.log('  the worker\'s hottest functions (share of its busy samples):');
  for (const f of out.trace.worker_hottest) console.log(`    ${(100 * f.share_of_busy).toFixed(1).padStart(5)}%  ${f.function}`);
}
out.adapter_note = 'the rest of each step, on no traced thread, is SwiftShader running the kernels on its own threads';
fs.mkdirSync(path.dirname(OUT_FILE), { recursive: true });
fs.writeFileSync(OUT_FILE, `${JSON.stringify(out, null, 2)}\n`);
console.log(`\nwrote ${path.relative(ROOT, OUT_FILE)}`);
