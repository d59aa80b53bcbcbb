// Side-by-side browser benchmark (issue #11): Seesaw's page against in-browser peers (jax-js,
// TF.js), all in ONE headless Debian Chromium with software WebGPU (SwiftShader), the same flags
// and static server as the browser tests (tests/browser/lib.mjs).
//   Seesaw: WebGPU and its CPU backend (burn flex in wasm), through the page: steps/s over a
//           timed window → ms/step; mmoe at batch 256 and 4096, ple, shared-bottom.
//           K = 1, 8, 32 runs through the comparison's worker protocol (a `Train` message with
//           K jobs: one run alone, or K runs stacked in one model): ms per step of all K.
//   Peers:  the twin of Seesaw's default MMoE in peers/ (jax-js plain and jit, TF.js), on
//           WebGPU and wasm, at batch 256 and 4096, timed inside their page.
// Prints a table and Seesaw/peer ratios per backend; writes target/bench/browser.json.
// Never asserts a time.
// Usage: node tests/bench/browser.mjs [dist-dir]   (BENCH_QUICK=1: short windows, a few runs)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WEBGPU_FLAGS, firstStep, launch, open, ready, serve, startWorker, step } from '../browser/lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const DIST = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist'));
const QUICK = process.env.BENCH_QUICK === '1';
const OUT_FILE = path.join(ROOT, 'target/bench/browser.json');

// Timed windows. Seesaw: the page's step counter over a window; on WebGPU the window ends after
// a fixed number of steps (or a cap, SwiftShader is slow). Peers: inside their page, in chunks
// of 10 steps (each ending with a loss read-back) until the window and the minimum are met.
const SEESAW = {
  cpu: { warmMs: QUICK ? 1_000 : 2_000, timedMs: QUICK ? 3_000 : 6_000 },
  // Warm-up: at least warmMs and past the first report (step 25: the validation forward's and
  // the gradient cosines' first kernels compile there, once), at most warmCapMs. The timed
  // window then holds whole report periods (50 steps: two reports), as a run in the page does.
  webgpu: { warmMs: QUICK ? 1_000 : 2_000, warmSteps: 30, warmCapMs: 60_000, steps: QUICK ? 25 : 50, minMs: 3_000, capMs: QUICK ? 15_000 : 30_000 },
};
const PEER = {
  wasm: { warm_ms: QUICK ? 500 : 1_500, timed_ms: QUICK ? 1_500 : 4_000, min_steps: 10 },
  // Steps 2–10 always warm up; the timed window: at least 20 steps and 2 s, or one chunk of
  // 10 steps when that alone passes cap_ms (TF.js at batch 4096: ~3 s/step on SwiftShader).
  webgpu: { warm_ms: QUICK ? 500 : 1_000, timed_ms: QUICK ? 1_000 : 2_000, min_steps: QUICK ? 10 : 20, max_steps: 300, cap_ms: 15_000 },
};
const SEESAW_MODELS = [
  { model: 'mmoe', batch: 256, hash: 'arch=mmoe&batch_size=256' },
  { model: 'mmoe', batch: 4096, hash: 'arch=mmoe&batch_size=4096' },
  { model: 'ple', batch: 256, hash: 'arch=ple' },
  { model: 'shared-bottom', batch: 256, hash: 'arch=shared-bottom' },
].filter((m) => !QUICK || m.batch === 256 && m.model === 'mmoe');
// K parallel runs: mmoe at batch 256, seeds 1..K, through a worker of the page's own.
const STACKED = {
  runs: QUICK ? [1, 8] : [1, 8, 32],
  backends: ['webgpu', 'cpu'],
  // Warm-up steps, then a window of at least minSteps steps and minMs, at most capMs.
  warmSteps: 3, minSteps: QUICK ? 5 : 10, minMs: 3_000, capMs: QUICK ? 20_000 : 60_000,
};
const PEERS = [
  { lib: 'jax', jit: true, name: 'jax-js (jit)' },
  { lib: 'jax', jit: false, name: 'jax-js (eager)' },
  { lib: 'tfjs', jit: false, name: 'TF.js' },
];
const BATCHES = QUICK ? [256] : [256, 4096];
const PEER_TIMEOUT_MS = 180_000;

/** Seesaw's default MMoE parameter count, from core/src/model/moe.rs + layers.rs: every
 *  GroupedMlp::new(groups, nets, widths) holds [groups, in, nets·w₁] + [groups, 1, nets·w₁]
 *  for its first layer and [groups·nets, wᵢ, wᵢ₊₁] + [groups·nets, 1, wᵢ₊₁] for each later one. */
function groupedMlpParams(groups, nets, widths) {
  let count = groups * widths[0] * nets * widths[1] + groups * nets * widths[1];
  for (let i = 1; i + 1 < widths.length; i++) count += groups * nets * (widths[i] * widths[i + 1] + widths[i + 1]);
  return count;
}
function seesawMmoeParams({ d = 100, tasks = 2, out = 1, experts = 8, expertUnits = 16, towerUnits = 8 } = {}) {
  return groupedMlpParams(1, experts, [d, expertUnits]) // experts: MoeConfig::init
    + groupedMlpParams(1, tasks, [d, experts]) // one linear gate per task (gate_depth 0)
    + groupedMlpParams(tasks, 1, [expertUnits, towerUnits, out]); // GroupedMlp::towers
}

function staticServer(root, prefixes) {
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    const file = path.join(root, decodeURIComponent(url.pathname));
    if (!file.startsWith(root) || !prefixes.some((p) => url.pathname.startsWith(p))) { response.writeHead(404).end(); return; }
    fs.readFile(file, (error, body) => {
      if (error) { response.writeHead(404).end('not found'); return; }
      response.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const round = (x, digits = 2) => (x == null || !Number.isFinite(x) ? null : +x.toFixed(digits));

async function seesaw(browser, origin, backend, model) {
  const hash = `#backend=${backend}&${model.hash}&baselines=false&steps=1000000`;
  const { page, errors } = await open(browser, origin, hash);
  try {
    await ready(page, backend === 'cpu' ? 'CPU' : 'WebGPU', 180_000);
    const readyMs = await page.evaluate(() => performance.now());
    await page.click('[data-testid="play"]');
    await firstStep(page, 240_000);
    const firstStepMs = await page.evaluate(() => performance.now());
    const pageFirstStep = await page.locator('[data-testid="first-step-ms"]').first().textContent({ timeout: 2_000 }).catch(() => null);
    const w = SEESAW[backend];
    await page.waitForTimeout(w.warmMs);
    if (w.warmSteps) {
      const warmEnd = Date.now() + w.warmCapMs - w.warmMs;
      while (Date.now() < warmEnd && (await step(page)) < w.warmSteps) await page.waitForTimeout(100);
    }
    const [s0, t0] = [await step(page), Date.now()];
    if (backend === 'cpu') {
      await page.waitForTimeout(w.timedMs);
    } else {
      while (Date.now() - t0 < w.capMs && ((await step(page)) - s0 < w.steps || Date.now() - t0 < w.minMs)) {
        await page.waitForTimeout(100);
      }
    }
    const [s1, t1] = [await step(page), Date.now()];
    const stepsPerSecond = (s1 - s0) / ((t1 - t0) / 1000);
    const losses = await page.locator('[data-testid="task-loss"]').allInnerTexts();
    return {
      side: 'seesaw', name: 'Seesaw', model: model.model, batch: model.batch, backend, hash,
      timed_steps: s1 - s0, timed_ms: t1 - t0,
      ms_per_step: s1 > s0 ? round(1000 / stepsPerSecond, 3) : null,
      steps_per_second: round(stepsPerSecond, 1),
      page_load_to_ready_s: round(readyMs / 1000),
      play_to_first_step_s: round((firstStepMs - readyMs) / 1000),
      page_first_step_ms: pageFirstStep == null ? null : Number(pageFirstStep),
      page_load_to_first_step_s: round(firstStepMs / 1000),
      losses_last: losses.map(Number),
      params: model.model === 'mmoe' ? seesawMmoeParams() : null,
      console_errors: errors.slice(0, 5),
    };
  } finally {
    await page.close();
  }
}

/** K runs of mmoe at batch 256 (seeds 1..K) in one worker, as the comparison panel trains
 *  them: `Train` with K jobs (K = 1: the run alone; K > 1: stacked in one model). Steps of all
 *  K per second from the worker's Progress messages over a window after a warm-up. */
async function seesawStacked(browser, origin, backend, k) {
  const { page, errors } = await open(browser, origin, '#backend=cpu');
  try {
    await ready(page, 'CPU', 180_000);
    const jobs = Array.from({ length: k }, (_, i) => [i + 1, {
      seed: i + 1,
      arch: { kind: 'mmoe' },
      train: { batch_size: 256, steps: 10_000_000, eval_every: 10_000_000 },
      baselines: false,
    }]);
    const w = STACKED;
    await startWorker(page, backend); // the build the page starts for the backend
    const result = await page.evaluate(async ({ jobs, backend, w }) => {
      const { worker, state } = window.__seesawWorker;
      const sent = performance.now();
      const last = () => state.progress[jobs[0][0]] ?? { step: 0, at: sent };
      const failed = () => state.crashed ?? (Object.values(state.results).find((m) => m.Failed)?.Failed.message ?? null);
      worker.postMessage(JSON.stringify({ Train: { jobs, backend } }));
      const until = async (done, capMs) => {
        const end = performance.now() + capMs;
        while (!done() && !failed() && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
      };
      await until(() => last().step >= w.warmSteps, 600_000);
      const start = { ...last() };
      const firstStepS = (start.at - sent) / 1000;
      await until(() => last().step - start.step >= w.minSteps && last().at - start.at >= w.minMs, w.capMs);
      const end = last();
      worker.terminate();
      return {
        failed: failed(), logs: state.logs, steps: end.step - start.step, ms: end.at - start.at,
        setup_s: state.readyAt == null ? null : (state.readyAt - sent) / 1000,
        to_warm_s: firstStepS,
      };
    }, { jobs, backend, w });
    if (result.failed) throw new Error(result.failed);
    const msPerStep = result.steps > 0 ? result.ms / result.steps : null;
    return {
      side: 'seesaw-stacked', runs: k, backend, model: 'mmoe', batch: 256,
      stacked: k > 1 && result.logs.some((l) => l.includes('stacked in one model')),
      timed_steps: result.steps, timed_ms: round(result.ms, 0),
      ms_per_step_all_runs: round(msPerStep, 2),
      ms_per_run_step: round(msPerStep == null ? null : msPerStep / k, 3),
      setup_s: round(result.setup_s), send_to_warm_s: round(result.to_warm_s),
      worker_log: result.logs.slice(0, 5),
      console_errors: errors.slice(0, 5),
    };
  } finally {
    await page.close();
  }
}

async function peer(browser, origin, spec, backend, batch) {
  const query = new URLSearchParams({ lib: spec.lib, backend, batch: String(batch), jit: spec.jit ? '1' : '0' });
  for (const [key, value] of Object.entries(PEER[backend])) query.set(key, String(value));
  const page = await browser.newPage();
  const log = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log.push(m.text()); });
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${origin}/peers/index.html?${query}`);
    await page.waitForFunction(() => window.__bench && window.__bench.state !== 'running', null,
      { timeout: PEER_TIMEOUT_MS, polling: 250 });
    const outcome = await page.evaluate(() => window.__bench);
    if (outcome.state !== 'done') throw new Error(outcome.error);
    const r = outcome.result;
    return {
      side: 'peer', name: spec.name, lib: spec.lib, jit: spec.jit, model: 'mmoe', batch, backend,
      timed_steps: r.timed_steps, timed_ms: r.timed_ms, ms_per_step: r.ms_per_step, steps_per_second: r.steps_per_second,
      first_step_ms: r.first_step_ms, load_and_init_ms: r.load_and_init_ms,
      page_load_to_first_step_s: round(r.page_load_to_first_step_ms / 1000),
      warmup_steps: r.warmup_steps, params: r.params, losses_first_step: r.losses_first_step, losses_step_10: r.losses_step_10, losses_last: r.losses_last,
      finite: r.finite, cross_origin_isolated: r.cross_origin_isolated, console: log.slice(0, 5),
    };
  } finally {
    await page.close();
  }
}

async function attempt(label, fn, base) {
  const started = Date.now();
  process.stdout.write(`… ${label}`);
  try {
    const result = await fn();
    process.stdout.write(` ${result.ms_per_step ?? result.ms_per_step_all_runs ?? '?'} ms/step (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    return result;
  } catch (error) {
    process.stdout.write(` FAILED: ${String(error.message ?? error).split('\n')[0]}\n`);
    return { ...base, error: String(error.message ?? error).slice(0, 2000) };
  }
}

const pad = (s, n) => String(s ?? '–').padEnd(n);
const padL = (s, n) => String(s ?? '–').padStart(n);

// ---------------------------------------------------------------------------------------------
if (!fs.existsSync(path.join(DIST, 'index.html'))) {
  console.error(`no built page in ${DIST}: run \`trunk build\` first`);
  process.exit(2);
}
const pkg = (name) => JSON.parse(fs.readFileSync(path.join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
const versions = {
  '@jax-js/jax': pkg('@jax-js/jax'),
  '@tensorflow/tfjs': pkg('@tensorflow/tfjs'),
  '@tensorflow/tfjs-backend-webgpu': pkg('@tensorflow/tfjs-backend-webgpu'),
  '@tensorflow/tfjs-backend-wasm': pkg('@tensorflow/tfjs-backend-wasm'),
  'playwright-core': pkg('playwright-core'),
};
let commit = null;
try { commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }

const started = Date.now();
const seesawServer = await serve(DIST);
const peerServer = await staticServer(HERE, ['/peers/', '/node_modules/']);
const seesawOrigin = `http://127.0.0.1:${seesawServer.address().port}`;
const peerOrigin = `http://127.0.0.1:${peerServer.address().port}`;
const browser = await launch(WEBGPU_FLAGS);
versions.chromium = browser.version();

const probe = await browser.newPage();
await probe.goto(`${peerOrigin}/peers/index.html?lib=none`);
const adapter = await probe.evaluate(async () => {
  if (!navigator.gpu) return { error: 'navigator.gpu is missing' };
  const a = await navigator.gpu.requestAdapter();
  if (!a) return { error: 'no adapter' };
  const info = a.info ?? {};
  return {
    vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
    features: [...a.features].sort(),
    limits: { maxStorageBuffersPerShaderStage: a.limits.maxStorageBuffersPerShaderStage, maxComputeWorkgroupSizeX: a.limits.maxComputeWorkgroupSizeX, maxBufferSize: a.limits.maxBufferSize },
  };
});
await probe.close();
const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memory_gb: round(os.totalmem() / 2 ** 30, 1), platform: `${os.type()} ${os.release()} ${os.arch()}`, loadavg_at_start: os.loadavg().map((x) => round(x)) };
console.log(`machine: ${machine.cpu}, ${machine.cores} cores; Chromium ${versions.chromium}; adapter ${adapter.vendor ?? '?'}/${adapter.architecture ?? '?'}${adapter.error ? ` (${adapter.error})` : ''}`);
console.log(`Seesaw MMoE parameters (from moe.rs/layers.rs): ${seesawMmoeParams()}`);

const measurements = [];
for (const backend of ['cpu', 'webgpu']) {
  for (const model of SEESAW_MODELS) {
    measurements.push(await attempt(`Seesaw ${backend} ${model.hash}`, () => seesaw(browser, seesawOrigin, backend, model),
      { side: 'seesaw', name: 'Seesaw', model: model.model, batch: model.batch, backend }));
  }
}
const stackedRuns = [];
for (const backend of STACKED.backends) {
  for (const k of STACKED.runs) {
    stackedRuns.push(await attempt(`Seesaw ${backend} ${k} run(s) stacked`, () => seesawStacked(browser, seesawOrigin, backend, k),
      { side: 'seesaw-stacked', runs: k, backend, model: 'mmoe', batch: 256 }));
  }
}
for (const one of stackedRuns) {
  const alone = stackedRuns.find((x) => x.backend === one.backend && x.runs === 1 && !x.error);
  one.times_one_run = alone?.ms_per_step_all_runs && one.ms_per_step_all_runs ? round(one.ms_per_step_all_runs / alone.ms_per_step_all_runs, 2) : null;
}
for (const backend of ['wasm', 'webgpu']) {
  for (const batch of BATCHES) {
    for (const spec of PEERS) {
      measurements.push(await attempt(`${spec.name} ${backend} batch ${batch}`, () => peer(browser, peerOrigin, spec, backend, batch),
        { side: 'peer', name: spec.name, lib: spec.lib, jit: spec.jit, model: 'mmoe', batch, backend }));
    }
  }
}
await browser.close();
seesawServer.close();
peerServer.close();

// ---- checks that the peers built the same model: parameter counts and identical first losses
const peerRuns = measurements.filter((m) => m.side === 'peer' && !m.error);
const expected = seesawMmoeParams();
const paramCheck = {
  seesaw_mmoe: expected,
  peers: Object.fromEntries(peerRuns.map((m) => [`${m.name} ${m.backend} ${m.batch}`, m.params])),
};
paramCheck.all_equal = peerRuns.every((m) => m.params === expected);
// Every peer starts from the same seeded weights and batch, so the losses after step 1 (the
// forward pass) and after step 10 (gradients and Adam too) must agree across libraries/backends.
const byBatch = {};
for (const m of peerRuns) (byBatch[m.batch] ??= []).push(m);
const spreadOf = (runs, key) => {
  const ref = runs[0][key];
  return +Math.max(...runs.flatMap((r) => r[key].map((l, k) => Math.abs(l - ref[k]) / Math.abs(ref[k])))).toExponential(2);
};
const lossCheck = Object.fromEntries(Object.entries(byBatch).map(([batch, runs]) => [batch, {
  runs: runs.map((r) => ({ run: `${r.name} ${r.backend}`, step_1: r.losses_first_step, step_10: r.losses_step_10 })),
  max_relative_spread_step_1: spreadOf(runs, 'losses_first_step'),
  max_relative_spread_step_10: spreadOf(runs, 'losses_step_10'),
}]));

// ---- table
const seesawBackend = { wasm: 'cpu', webgpu: 'webgpu' };
const label = (m) => m.side === 'seesaw' ? `Seesaw ${m.backend === 'cpu' ? 'CPU (flex, wasm)' : 'WebGPU'}` : `${m.name} ${m.backend}`;
console.log('\nms/step (lower is better); 1st step = start of the first step until it is done (Seesaw: Play → first step shown);');
console.log('load→1st = page load until the first step is done. SwiftShader is a software GPU: WebGPU numbers are not a GPU\'s.\n');
console.log(`${pad('run', 26)} ${pad('model', 14)} ${padL('batch', 5)} ${padL('ms/step', 10)} ${padL('steps/s', 8)} ${padL('steps', 6)} ${padL('1st step s', 10)} ${padL('load→1st s', 10)} ${padL('params', 6)}`);
for (const m of measurements) {
  const first = m.side === 'seesaw' ? m.play_to_first_step_s : round(m.first_step_ms / 1000);
  console.log(`${pad(label(m), 26)} ${pad(m.model, 14)} ${padL(m.batch, 5)} ${padL(m.error ? 'ERROR' : m.ms_per_step, 10)} ${padL(m.steps_per_second, 8)} ${padL(m.timed_steps, 6)} ${padL(first, 10)} ${padL(m.page_load_to_first_step_s, 10)} ${padL(m.params, 6)}`);
}
const ratios = [];
console.log('\nSeesaw ÷ peer, ms/step, mmoe at the same batch (Seesaw CPU vs peer wasm; WebGPU vs WebGPU); < 1: Seesaw is faster');
for (const m of peerRuns) {
  const s = measurements.find((x) => x.side === 'seesaw' && !x.error && x.model === 'mmoe' && x.batch === m.batch && x.backend === seesawBackend[m.backend]);
  const ratio = s?.ms_per_step && m.ms_per_step ? round(s.ms_per_step / m.ms_per_step, 3) : null;
  ratios.push({ peer: m.name, backend: m.backend, batch: m.batch, seesaw_ms_per_step: s?.ms_per_step ?? null, peer_ms_per_step: m.ms_per_step, seesaw_over_peer: ratio });
  console.log(`  ${pad(`${m.name} ${m.backend}`, 26)} batch ${padL(m.batch, 4)}: ${padL(s?.ms_per_step, 9)} / ${padL(m.ms_per_step, 9)} = ${padL(ratio, 7)}${ratio ? `  (${ratio < 1 ? `Seesaw ${round(1 / ratio, 1)}× faster` : `peer ${round(ratio, 1)}× faster`})` : ''}`);
}
console.log(`\nparameters: Seesaw MMoE ${expected}; peers ${[...new Set(peerRuns.map((m) => m.params))].join(', ')} (${paramCheck.all_equal ? 'all equal' : 'MISMATCH'})`);
for (const [batch, check] of Object.entries(lossCheck)) {
  console.log(`peer losses at batch ${batch} (same seeded init and data everywhere): step 1 ${check.runs[0].step_1.join(', ')} `
    + `(max relative spread ${check.max_relative_spread_step_1}), step 10 ${check.runs[0].step_10.join(', ')} (spread ${check.max_relative_spread_step_10})`);
}
console.log('\nK parallel runs (mmoe, batch 256, one worker; K > 1 stacked in one model): ms per step of all K runs; targets on WebGPU: 8 runs ≤ 2×, 32 runs ≤ 4× one run');
console.log(`${pad('backend', 8)} ${padL('runs', 5)} ${padL('ms/step (all)', 14)} ${padL('ms/run-step', 12)} ${padL('× 1 run', 8)} ${padL('steps', 6)} ${padL('stacked', 8)}`);
for (const m of stackedRuns) {
  console.log(`${pad(m.backend, 8)} ${padL(m.runs, 5)} ${padL(m.error ? 'ERROR' : m.ms_per_step_all_runs, 14)} ${padL(m.ms_per_run_step, 12)} ${padL(m.times_one_run, 8)} ${padL(m.timed_steps, 6)} ${padL(m.stacked, 8)}`);
}
// The same ratios for the training step alone (the K = 1 rows: no reports, no page), so the
// page's report work (a validation pass and gradient diagnostics every 25 steps) and its
// rendering stand apart from the step.
const stepRatios = [];
console.log('\nthe training step alone (K = 1 row) ÷ peer, mmoe at batch 256:');
for (const m of peerRuns.filter((p) => p.batch === 256 && p.ms_per_step)) {
  const alone = stackedRuns.find((x) => x.runs === 1 && !x.error && x.backend === seesawBackend[m.backend]);
  const ratio = alone?.ms_per_step_all_runs ? round(alone.ms_per_step_all_runs / m.ms_per_step, 3) : null;
  stepRatios.push({ peer: m.name, backend: m.backend, batch: m.batch, seesaw_step_ms: alone?.ms_per_step_all_runs ?? null, peer_ms_per_step: m.ms_per_step, seesaw_over_peer: ratio });
  console.log(`  ${pad(`${m.name} ${m.backend}`, 26)} batch ${padL(m.batch, 4)}: ${padL(alone?.ms_per_step_all_runs, 9)} / ${padL(m.ms_per_step, 9)} = ${padL(ratio, 7)}`);
}

const report = {
  generated: new Date().toISOString(),
  quick: QUICK,
  commit,
  machine,
  adapter,
  versions,
  dist: DIST,
  method: {
    seesaw: 'the page (tests/browser/lib.mjs): steps/s from the page\'s step counter over a timed window after a warm-up; ms/step = 1000 / (steps/s); the worker reads the running loss back once per slice of about 120 ms, and the run reports every 25 steps (a pass over the 2000 validation rows, gradient cosines, gate statistics), which the page draws at most ten times a second; data from the page\'s `correlated` dataset (d = 100, 2 regression tasks)',
    peers: 'tests/bench/peers: the twin of Seesaw\'s default MMoE (8 experts 100→16 ReLU, 2 linear softmax gates, towers 16→8→1, MSE ×2 summed, Adam 0.005/0.9/0.999/1e-8, U(±1/√fan_in)), timed inside the page on the main thread, chunks of 10 steps ending in a loss read-back; one fixed batch x ~ N(0,1), y ~ N(0,1) kept on the device; same seeded init and data for every peer; not cross-origin isolated, so wasm is single-threaded (as Seesaw\'s worker)',
    windows: { seesaw: SEESAW, peers: PEER },
  },
  parameter_check: paramCheck,
  first_step_loss_check: lossCheck,
  measurements,
  ratios,
  step_alone_ratios: stepRatios,
  k_parallel_runs: {
    method: 'a Worker of the page (seesaw-worker-cpu_loader.js on the CPU, seesaw-worker_loader.js on WebGPU) sent the comparison\'s `Train` message with K mmoe jobs (batch 256, seeds 1..K, no reports in the window); ms/step of all K from its Progress messages (each slice ends on a loss read, so the device is drained) after a warm-up',
    windows: STACKED,
    rows: stackedRuns,
  },
  wall_s: round((Date.now() - started) / 1000, 1),
};
fs.mkdirSync(path.dirname(OUT_FILE), { recursive: true });
fs.writeFileSync(OUT_FILE, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwrote ${path.relative(process.cwd(), OUT_FILE) || OUT_FILE} (${report.wall_s} s)`);
