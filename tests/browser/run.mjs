// Browser tests of the built playground (`trunk build` → dist/), in Debian's headless Chromium
// with software WebGPU (SwiftShader). Usage: node run.mjs [dist-dir]
// Prints one line per test and a summary with the measured numbers; exits 1 on any failure.
import fs from 'node:fs';
import path from 'node:path';
import {
  NO_WEBGPU_FLAGS, WEBGPU_FLAGS, launch, longTasksSince, losses, open, ready, serve, startWorker, step, text,
  trainInWorker, waitFor,
} from './lib.mjs';

const DIST = path.resolve(process.argv[2] ?? '../../dist');
const ONLY = process.env.SEESAW_BROWSER_TESTS?.split(',').filter(Boolean);
// The software adapter runs a few steps per second at best: WebGPU checks use few steps.
const WEBGPU_STEPS = 30;
const CPU_STEPS = 300;

/** Plays until `steps` and returns the first and the last losses seen, all finite. */
async function train(page, steps, timeoutMs) {
  await page.click('[data-testid="play"]');
  const first = await waitFor('a first loss', async () => {
    const values = await losses(page);
    return values.length && values.every(Number.isFinite) ? values : false;
  }, timeoutMs);
  await waitFor(`${steps} steps`, async () => (await step(page)) >= steps, timeoutMs, 250);
  const last = await losses(page);
  return { first, last };
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function assertFalling({ first, last }, what) {
  assert(first.length >= 2 && last.length === first.length, `${what}: one loss per task, got ${first} → ${last}`);
  first.forEach((f, k) => assert(last[k] < f, `${what}: task ${k} loss did not fall: ${first} → ${last}`));
}

const numbers = {};
const tests = [];
const test = (name, flags, body) => tests.push({ name, flags, body });

const loadedWasm = (requests) => requests.filter((url) => url.endsWith('.wasm')).map((url) => url.split('/').pop()).sort();

test('loads without console errors or foreign requests; a CPU run loads the CPU-only worker', WEBGPU_FLAGS, async (browser, origin) => {
  const { page, errors, foreign, requests } = await open(browser, origin, '#backend=cpu');
  await ready(page, 'CPU');
  numbers.cpu_load_to_ready_s = +((await page.evaluate(() => performance.now())) / 1000).toFixed(2);
  await page.waitForTimeout(500);
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
  assert(foreign.length === 0, `requests outside the origin: ${foreign.join(', ')}`);
  const wasm = loadedWasm(requests).join(', ');
  assert(wasm === 'seesaw-app_bg.wasm, seesaw-worker-cpu_bg.wasm', `the page and the CPU-only worker, nothing else: ${wasm}`);
  const figures = await page.locator('canvas').count();
  assert(figures === 6, `six charts, found ${figures}`);
});

test('the content policy holds: no violation, no request elsewhere, through load, training, a comparison and exports', WEBGPU_FLAGS, async (browser, origin) => {
  const { page, errors, foreign, requests } = await open(browser, origin, '#backend=cpu&steps=100000&eval_every=50');
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert(policy?.includes("default-src 'self'") && !/script-src[^;]*'unsafe-inline'/.test(policy), `a strict policy: ${policy}`);
  await ready(page, 'CPU');
  await page.click('[data-testid="play"]');
  await page.waitForTimeout(10_000);
  await page.click('[data-testid="play"]');
  assert((await step(page)) > 100, 'it trained');
  await page.check('[data-testid="compare-weighting-equal"]');
  await page.fill('[data-testid="compare-seeds"]', '1');
  await page.dispatchEvent('[data-testid="compare-seeds"]', 'change');
  await page.evaluate(() => { location.hash = location.hash.replace(/steps=\d+/, 'steps=40'); });
  await waitFor('the shorter budget', async () => (await text(page, 'compare-count')).includes('40 steps'), 10_000);
  await page.click('[data-testid="compare-start"]');
  await waitFor('the comparison to finish', async () =>
    (await page.locator('[data-testid="compare-progress"]').getAttribute('data-phase')) === 'finished', 120_000, 250);
  for (const button of ['compare-export-csv', 'compare-export-json']) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid="${button}"]`)]);
    assert((await download.path()) !== null, `${button} downloaded`);
  }
  const violations = await page.evaluate(() => window.__csp);
  assert(violations.length === 0, `policy violations: ${violations.join(' | ')}`);
  assert(foreign.length === 0, `requests to other origins: ${foreign.join(', ')}`);
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
  numbers.requests_recorded = requests.length;
  assert(requests.some((r) => r.endsWith('seesaw-app_bg.wasm')), `the page's requests were recorded: ${requests.join(', ')}`);
});

// Before the WebGPU test: SwiftShader's work for a closed page lingers in the GPU process and
// would take the CPU from this test's long-task window.
test('a comparison of 2 methods × 2 seeds: table, reload, CSV export, link', WEBGPU_FLAGS, async (browser, origin) => {
  const hash = '#backend=cpu&steps=40&eval_every=20&batch_size=64';
  const { page, errors } = await open(browser, origin, hash);
  await ready(page, 'CPU');
  for (const method of ['equal', 'uncertainty']) await page.check(`[data-testid="compare-weighting-${method}"]`);
  await page.fill('[data-testid="compare-seeds"]', '2');
  await page.dispatchEvent('[data-testid="compare-seeds"]', 'change');
  // The long-task check below needs a core for the page: on a machine with few cores (CI has 2)
  // the default pool (at least 2 workers) takes them all and the OS, not the page, stretches its
  // tasks, so this half runs with one worker fewer than the machine has threads; the link half
  // below uses the default pool.
  const threads = await page.evaluate(() => navigator.hardwareConcurrency);
  const workers = Math.max(1, Math.min(8, threads - 1));
  await page.fill('[data-testid="compare-workers"]', String(workers));
  await page.dispatchEvent('[data-testid="compare-workers"]', 'change');
  const count = await text(page, 'compare-count');
  assert(count.startsWith('4 runs'), `the page says how many runs: ${count}`);
  const started = await page.evaluate(() => performance.now());
  await page.click('[data-testid="compare-start"]');
  await waitFor('the comparison to finish', async () =>
    (await page.locator('[data-testid="compare-progress"]').getAttribute('data-phase')) === 'finished', 240_000, 250);
  // The page stays usable while the workers train: no main-thread task over 50 ms.
  const longTasks = await longTasksSince(page, started);
  numbers.comparison_long_tasks_over_50ms = longTasks.length;
  assert(longTasks.length === 0, `long tasks during the comparison: ${JSON.stringify(longTasks)}`);
  const rows = await page.locator('[data-testid="compare-row"]').allInnerTexts();
  assert(rows.length === 2, `two configurations, got ${rows.length}: ${rows.join(' | ')}`);
  for (const row of rows) {
    assert(/\d ± \d/.test(row) && !row.includes('± –'), `a std over two seeds: ${row}`);
  }
  const progress = await text(page, 'compare-progress');
  numbers.comparison_2x2_wall = progress.match(/([\d.]+) s with (\d+) worker/)?.slice(1).join(' s, workers: ');
  numbers.hardware_threads = threads;
  const link = await page.evaluate(() => location.hash);
  assert(link.includes('compare.weighting=equal,uncertainty') && link.includes('compare.seeds=1,2'), `the link holds the comparison: ${link}`);
  // A reload keeps it.
  await page.reload();
  await ready(page, 'CPU');
  await waitFor('the stored comparison after a reload', async () =>
    (await page.locator('[data-testid="compare-row"]').count()) === 2, 30_000);
  // The CSV export: one row per run.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid="compare-export-csv"]'),
  ]);
  const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert(csv.length === 5, `a header and 4 run rows: ${csv.join(' / ')}`);
  // Runs that share an architecture and budget trained stacked in one model (equal and
  // uncertainty both need only the losses): the worker says so in each run's notes.
  const [json] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid="compare-export-json"]'),
  ]);
  const exported = JSON.parse(fs.readFileSync(await json.path(), 'utf8'));
  const stacked = exported.runs.filter((r) => r.notes.some((n) => n.startsWith('trained stacked with')));
  numbers.comparison_2x2_stacked_runs = stacked.length;
  assert(exported.runs.length === 4 && stacked.length >= 2, `stacked runs: ${exported.runs.map((r) => r.notes.join('; ')).join(' | ')}`);
  assert(csv[0].startsWith('arch,weighting,seed,status,'), `the header: ${csv[0]}`);
  // Any chart as PNG: a live chart and the comparison's seesaw view.
  for (const button of ['figure:has([data-testid="chart-loss"]) button.png', 'figure:has([data-testid="compare-seesaw"]) button']) {
    const [png] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    const bytes = fs.readFileSync(await png.path());
    assert(bytes.length > 1000 && bytes.subarray(1, 4).toString() === 'PNG', `${button}: a PNG (${bytes.length} bytes)`);
  }
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
  // The link, opened fresh (no stored comparison), reproduces the same configurations.
  const before = rows.map((r) => r.split('\t')[0]).sort();
  const fresh = await open(browser, origin, link);
  await ready(fresh.page, 'CPU');
  const again = await text(fresh.page, 'compare-count');
  assert(again.startsWith('4 runs'), `the link fills the form: ${again}`);
  await fresh.page.click('[data-testid="compare-start"]');
  await waitFor('the linked comparison to finish', async () =>
    (await fresh.page.locator('[data-testid="compare-progress"]').getAttribute('data-phase')) === 'finished', 240_000, 250);
  const pooled = await text(fresh.page, 'compare-progress');
  numbers.comparison_2x2_wall_default_pool = pooled.match(/([\d.]+) s with (\d+) worker/)?.slice(1).join(' s, workers: ');
  const after = (await fresh.page.locator('[data-testid="compare-row"]').allInnerTexts()).map((r) => r.split('\t')[0]).sort();
  assert(JSON.stringify(after) === JSON.stringify(before), `the same configurations: ${after} vs ${before}`);
});

test('WebGPU: trains and every task loss falls', WEBGPU_FLAGS, async (browser, origin) => {
  const { page, errors, requests } = await open(browser, origin, '#backend=webgpu&arch=mmoe&batch_size=256&eval_every=10');
  await ready(page, 'WebGPU', 180_000);
  const wasm = loadedWasm(requests).join(', ');
  assert(wasm === 'seesaw-app_bg.wasm, seesaw-worker_bg.wasm', `the page and the WebGPU worker: ${wasm}`);
  const result = await train(page, WEBGPU_STEPS, 400_000);
  assertFalling(result, 'WebGPU');
  numbers.webgpu_steps_per_second = Number(await text(page, 'steps-per-second'));
  numbers.webgpu_adapter = await text(page, 'backend');
  numbers.webgpu_first_step_ms = Number(await page.locator('[data-testid="first-step-ms"]').textContent());
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

// The shipped worker trains on WebGPU with burn's kernel fusion; a fused kernel that fails
// validation only logs and returns stale data, so every report must match the CPU backend's
// (as core/tests/backends.rs holds natively): mmoe with equal and with uncertainty (stacked in
// one model, as a comparison trains them), ple with pcgrad (per-task gradients, a Gram matrix
// read each step), esmm on the funnel (masked tasks).
test('WebGPU (fused kernels) and the CPU backend agree on every report of four runs', WEBGPU_FLAGS, async (browser, origin) => {
  const { page, errors } = await open(browser, origin, '#backend=cpu');
  await ready(page, 'CPU');
  const samples = { train: 1024, validation: 256, test: 256 };
  const train = { steps: 6, eval_every: 3, batch_size: 256 };
  const correlated = { kind: 'correlated', samples };
  const run = (dataset, arch, weighting) => ({ seed: 5, dataset, arch: { kind: arch }, weighting: { kind: weighting }, train, baselines: false });
  const groups = [
    [[1, run(correlated, 'mmoe', 'equal')], [2, run(correlated, 'mmoe', 'uncertainty')]],
    [[3, run(correlated, 'ple', 'pcgrad')]],
    [[4, run({ kind: 'funnel', samples }, 'esmm', 'equal')]],
  ];
  // The WebGPU build serves both backends: the same worker trains each group on each.
  await startWorker(page, 'webgpu');
  const reports = { out: {}, logs: [] };
  for (const backend of ['webgpu', 'cpu']) {
    reports.out[backend] = {};
    for (const jobs of groups) {
      const trained = await trainInWorker(page, jobs, backend);
      Object.assign(reports.out[backend], trained.reports);
      reports.logs = trained.logs;
    }
  }
  await page.evaluate(() => window.__seesawWorker.worker.terminate());
  const lossesOf = (report) => report.history.flatMap((entry) => [
    ...entry.train_loss.map((loss, k) => [`step ${entry.step} train loss ${k}`, loss]),
    ...entry.validation.map((task) => [`step ${entry.step} validation loss ${task.name}`, task.loss]),
  ]);
  let largest = 0;
  for (const [id] of groups.flat()) {
    const [gpu, cpu] = [reports.out.webgpu[id], reports.out.cpu[id]];
    assert(!gpu.failed && !cpu.failed, `run ${id} failed: ${gpu.failed ?? cpu.failed}`);
    const [a, b] = [lossesOf(gpu), lossesOf(cpu)];
    assert(a.length === 8 && b.length === 8, `run ${id}: two reports of two tasks' train and validation losses, got ${a.length} and ${b.length}`);
    a.forEach(([name, x], k) => {
      const y = b[k][1];
      const off = Math.abs(x - y) / Math.max(Math.abs(y), 1);
      largest = Math.max(largest, off);
      assert(Number.isFinite(x) && off <= 1e-3, `run ${id} ${name}: WebGPU ${x}, CPU ${y}`);
    });
  }
  assert(reports.logs.some((line) => line.includes('[1, 2]: stacked in one model')), `runs 1 and 2 stacked: ${reports.logs.join(' | ')}`);
  numbers.webgpu_cpu_largest_relative_difference = +largest.toExponential(2);
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

test('a lost GPU device: the run goes on on the CPU from its last report, with a notice', WEBGPU_FLAGS, async (browser, origin) => {
  const { page, errors } = await open(browser, origin, '#backend=webgpu&eval_every=5&batch_size=64&steps=100000');
  await ready(page, 'WebGPU', 180_000);
  await page.click('[data-testid="play"]');
  await waitFor('a first report on the GPU', async () =>
    Number(await page.locator('[data-testid="reports"]').textContent()) >= 1, 400_000, 250);
  // The test hook: the worker keeps the GPUDevice burn asked for; destroying it is how a
  // browser loses a device (driver reset, sleep).
  const destroyed = await page.workers()[0].evaluate(() => {
    if (!self.__seesawGpuDevice) return false;
    self.__seesawGpuDevice.destroy();
    return true;
  });
  assert(destroyed, 'the worker kept its GPU device');
  const notice = await waitFor('the notice', async () =>
    (await page.locator('[data-testid="notice"]').allInnerTexts()).find((n) => n.includes('lost')) ?? false, 60_000);
  assert(notice.includes('CPU'), `the notice says where it goes on: ${notice}`);
  await waitFor('the backend to say CPU', async () => (await text(page, 'backend')).includes('CPU'), 30_000);
  await waitFor('training on the CPU', async () => (await step(page)) >= 100, 60_000);
  await page.click('[data-testid="play"]');
  await page.waitForTimeout(1_000);
  const steps = await step(page);
  const reports = Number(await page.locator('[data-testid="reports"]').textContent());
  assert(reports === Math.floor(steps / 5), `one report per 5 steps across the loss: ${reports} for ${steps} steps`);
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

test('CPU: trains 300 steps and every task loss falls', WEBGPU_FLAGS, async (browser, origin) => {
  const { page, errors } = await open(browser, origin, '#backend=cpu&arch=mmoe&batch_size=256&baselines=false');
  await ready(page, 'CPU');
  const result = await train(page, CPU_STEPS, 180_000);
  assertFalling(result, 'CPU');
  numbers.cpu_steps_per_second = Number(await text(page, 'steps-per-second'));
  numbers.cpu_first_step_ms = Number(await page.locator('[data-testid="first-step-ms"]').textContent());
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

test('the fusion lab: a CEM search on a finished funnel run beats its start', WEBGPU_FLAGS, async (browser, origin) => {
  const { page, errors } = await open(browser, origin, '#backend=cpu&dataset=funnel&arch=esmm&steps=200&eval_every=100');
  await ready(page, 'CPU');
  await page.click('[data-testid="play"]');
  await waitFor('the run to finish and offer the lab', async () =>
    (await page.locator('[data-testid="fusion-open"]').count()) > 0, 120_000, 250);
  await page.click('[data-testid="fusion-open"]');
  assert(await page.locator('[data-testid="fusion-formula"]').inputValue() === 'multiplicative', 'multiplicative by default');
  assert(await page.locator('[data-testid="fusion-search-kind"]').inputValue() === 'cem', 'CEM by default');
  for (const [name, value] of [['samples', '20'], ['keep', '5'], ['iterations', '5']]) {
    await page.fill(`[data-testid="fusion-${name}"]`, value);
    await page.dispatchEvent(`[data-testid="fusion-${name}"]`, 'change');
  }
  const started = Date.now();
  await page.click('[data-testid="fusion-search"]');
  await waitFor('the best objective', async () =>
    (await page.locator('[data-testid="fusion-best"]').count()) > 0, 60_000, 100);
  numbers.fusion_search_ms = Date.now() - started;
  const best = Number(await text(page, 'fusion-best'));
  const rows = await page.locator('[data-testid="fusion-table"] tr').allTextContents();
  const objective = (label) => {
    const row = rows.find((r) => r.startsWith(label));
    assert(row, `a row "${label}" in ${rows.join(' | ')}`);
    return Number(row.match(/(-?\d\.\d{4})$/)[1]); // the cells print 4 decimals, concatenated
  };
  const start = objective('multiplicative · start');
  const searched = objective('multiplicative · cem');
  assert(searched >= start, `the search never loses to its start: ${searched} < ${start}`);
  assert(Number.isFinite(best) && best >= searched && best > 1.0, `best objective ${best} (two AUCs summed)`);
  for (const label of ['click alone', 'conversion alone', 'LTR · logistic', 'LTR · MLP']) objective(label);
  assert(await page.locator('[data-testid="fusion-seesaw"]').count() === 1, 'the fusion seesaw is drawn');
  numbers.fusion_best_objective = best;
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

/** The toy view's end points equal `seesaw toy`'s for the same method, start and steps (the
 * worker runs the core's `run_request`, as the CLI does; wasm's and the host's libm may differ
 * in the last bits, so within 1e-6). */
async function sameAsTheCli(page) {
  const bin = path.join(process.env.CARGO_TARGET_DIR ?? path.resolve('../../target'), 'release', 'seesaw');
  assert(fs.existsSync(bin), `the CLI at ${bin} (scripts/test builds it before these tests)`);
  const finals = JSON.parse(await page.locator('[data-testid="toy-final"]').textContent());
  const steps = await page.locator('[data-testid="toy-steps"]').inputValue();
  const [method, points] = finals.find(([m]) => m === 'cagrad');
  const { execFileSync } = await import('node:child_process');
  const cli = JSON.parse(execFileSync(bin, ['toy', '--objective', 'cagrad', '--method', method,
    '--steps', steps, '--record-every', steps]).toString());
  cli.runs.forEach((run, i) => {
    const [x, y] = run.final_point;
    assert(Math.abs(x - points[i][0]) < 1e-6 && Math.abs(y - points[i][1]) < 1e-6,
      `start ${i}: page ${points[i]} vs seesaw toy ${run.final_point}`);
  });
  numbers.toy_points_checked = cli.runs.length;
}

// Every lesson opens from its link and ends with its "what happened" paragraph. CI shortens the
// runs (`steps=` in the link overrides the preset); SEESAW_LESSON_FULL=1 runs the presets as
// they are and records each lesson's wall time (the numbers in the lessons' closing note);
// SEESAW_LESSONS=id,id runs some.
const LESSON_IDS = process.env.SEESAW_LESSONS?.split(',')
  ?? ['seesaw', 'mmoe', 'ple', 'scales', 'toy', 'esmm', 'gate-depth', 'tower-lr', 'label-weight'];
test('every lesson opens from its link, runs, and says what happened', WEBGPU_FLAGS, async (browser, origin) => {
  const short = process.env.SEESAW_LESSON_FULL ? '' : '&steps=40&eval_every=20';
  for (const id of LESSON_IDS) {
    const { page, errors } = await open(browser, origin, `#lesson=${id}&backend=cpu${short}`);
    await ready(page, 'CPU');
    assert(await page.locator(`[data-testid="lesson"][data-lesson="${id}"]`).count() === 1, `lesson ${id} is shown`);
    if (id === 'toy') {
      if (!process.env.SEESAW_LESSON_FULL) {
        await page.fill('[data-testid="toy-steps"]', '3000');
        await page.dispatchEvent('[data-testid="toy-steps"]', 'change');
      }
      await page.click('[data-testid="toy-canvas"]', { position: { x: 150, y: 150 } });
      assert((await text(page, 'toy-starts')).startsWith('4 '), 'a click adds a fourth start point');
    }
    const started = Date.now();
    await page.click('[data-testid="lesson-run"]');
    await waitFor(`lesson ${id}'s outcome`, async () =>
      (await page.locator('[data-testid="lesson-outcome"]').count()) > 0, 300_000, 250);
    numbers[`lesson_${id}_s`] = Math.round((Date.now() - started) / 100) / 10;
    const outcome = await text(page, 'lesson-outcome');
    if (process.env.SEESAW_LESSON_FULL) console.log(`lesson ${id} (${numbers[`lesson_${id}_s`]} s): ${outcome}`);
    assert(/\d/.test(outcome) && outcome.length > 40, `lesson ${id}: a paragraph with numbers, got "${outcome}"`);
    if (id === 'toy') await sameAsTheCli(page);
    assert(errors.length === 0, `lesson ${id}: console errors: ${errors.join(' | ')}`);
    await page.close();
  }
});

test('pause stops the counter; step and reset', WEBGPU_FLAGS, async (browser, origin) => {
  const { page } = await open(browser, origin, '#backend=cpu');
  await ready(page, 'CPU');
  await page.click('[data-testid="play"]');
  await waitFor('20 steps', async () => (await step(page)) >= 20, 60_000);
  await page.click('[data-testid="play"]');
  await page.waitForTimeout(500);
  const paused = await step(page);
  await page.waitForTimeout(1500);
  const later = await step(page);
  assert(later === paused, `the counter moved while paused: ${paused} → ${later}`);
  assert((await text(page, 'play')).includes('Play'), 'the button offers play again');
  for (let i = 0; i < 3; i += 1) {
    await page.click('[data-testid="step-once"]');
    await waitFor(`step ${paused + i + 1}`, async () => (await step(page)) === paused + i + 1, 10_000);
  }
  await page.click('[data-testid="reset"]');
  await waitFor('reset to step 0', async () => (await step(page)) === 0, 10_000);
});

test('a link loads its config', WEBGPU_FLAGS, async (browser, origin) => {
  const { page } = await open(browser, origin, '#arch=ple&weighting=pcgrad&seed=3&backend=cpu');
  await ready(page, 'CPU');
  assert(await page.locator('select[data-key="arch"]').inputValue() === 'ple', 'arch select says ple');
  assert(await page.locator('select[data-key="weighting"]').inputValue() === 'pcgrad', 'weighting select says pcgrad');
  assert(await page.locator('input[data-key="seed"]').inputValue() === '3', 'seed input says 3');
  const hash = await page.evaluate(() => location.hash);
  for (const part of ['arch=ple', 'weighting=pcgrad', 'seed=3']) assert(hash.includes(part), `hash keeps ${part}: ${hash}`);
  assert(await page.locator('[data-testid="notice"]').count() === 0, 'no notice for a valid link');
});

test('an invalid value shows a notice and still trains', WEBGPU_FLAGS, async (browser, origin) => {
  const { page } = await open(browser, origin, '#arch=nonsense&backend=cpu');
  await ready(page, 'CPU');
  const notice = await text(page, 'notice');
  assert(notice.includes('nonsense'), `the notice names the value: ${notice}`);
  await page.click('[data-testid="play"]');
  await waitFor('10 steps', async () => (await step(page)) >= 10, 60_000);
});

test('a diverging run stops with a notice and keeps the page', WEBGPU_FLAGS, async (browser, origin) => {
  const { page } = await open(browser, origin, '#backend=cpu&dataset=scales&optimizer=sgd&learning_rate=10&eval_every=5');
  await ready(page, 'CPU');
  await page.click('[data-testid="play"]');
  const notice = await waitFor('the divergence notice', async () => {
    const notices = await page.locator('[data-testid="notice"]').allInnerTexts();
    return notices.find((n) => n.includes('diverged')) ?? false;
  }, 60_000);
  assert(notice.includes('learning rate'), `the notice says what to do: ${notice}`);
  assert((await text(page, 'play')).includes('Play'), 'the run is paused');
  assert(await page.locator('select[data-key="dataset"]').inputValue() === 'scales', 'the settings are kept');
});

test('without WebGPU, auto falls back to the CPU, says so, and trains', NO_WEBGPU_FLAGS, async (browser, origin) => {
  const { page, requests } = await open(browser, origin, '');
  await ready(page, 'CPU');
  const notice = await text(page, 'notice');
  assert(/WebGPU/.test(notice), `the fallback is announced: ${notice}`);
  const wasm = loadedWasm(requests).join(', ');
  assert(wasm === 'seesaw-app_bg.wasm, seesaw-worker-cpu_bg.wasm', `the page probed no WebGPU and loaded the CPU-only worker: ${wasm}`);
  await page.click('[data-testid="play"]');
  await waitFor('20 steps', async () => (await step(page)) >= 20, 60_000);
});

test('auto on a software adapter trains on the CPU, says why, and loads only the CPU-only worker', WEBGPU_FLAGS, async (browser, origin) => {
  const { page, requests, errors } = await open(browser, origin, '');
  await ready(page, 'CPU');
  const reason = await text(page, 'backend-reason');
  assert(/software fallback/.test(reason), `the reason is shown: ${reason}`);
  const wasm = loadedWasm(requests).join(', ');
  assert(wasm === 'seesaw-app_bg.wasm, seesaw-worker-cpu_bg.wasm', `the page and the CPU-only worker: ${wasm}`);
  numbers.auto_load_to_ready_s = +((await page.evaluate(() => performance.now())) / 1000).toFixed(2);
  await page.click('[data-testid="play"]');
  await waitFor('20 steps', async () => (await step(page)) >= 20, 60_000);
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

test('a hidden tab trains on in the worker; steps and charts are right afterwards', WEBGPU_FLAGS, async (browser, origin) => {
  const { page, errors } = await open(browser, origin, '#backend=cpu&eval_every=20&steps=100000');
  await ready(page, 'CPU');
  await page.click('[data-testid="play"]');
  await waitFor('40 steps', async () => (await step(page)) >= 40, 60_000);
  await page.evaluate(() => window.__setHidden(true));
  const hiddenAt = await step(page);
  await page.waitForTimeout(5_000);
  const whileHidden = await step(page);
  assert(whileHidden > hiddenAt + 100, `training went on while hidden: ${hiddenAt} → ${whileHidden}`);
  await page.evaluate(() => window.__setHidden(false));
  await page.waitForTimeout(1_000);
  await page.click('[data-testid="play"]');
  await page.waitForTimeout(1_000);
  const steps = await step(page);
  const reports = Number(await page.locator('[data-testid="reports"]').textContent());
  assert(reports === Math.floor(steps / 20), `one report per 20 steps, none lost or doubled: ${reports} for ${steps} steps`);
  numbers.hidden_tab_steps_in_5s = whileHidden - hiddenAt;
  assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
});

test('no long task over 50 ms during 10 s of CPU training', WEBGPU_FLAGS, async (browser, origin) => {
  const { page } = await open(browser, origin, '#backend=cpu');
  await ready(page, 'CPU');
  await page.click('[data-testid="play"]');
  // The window opens once training is under way (the first reports drawn).
  await waitFor('training to be under way', async () => (await step(page)) >= 60, 60_000);
  const start = await page.evaluate(() => performance.now());
  await page.waitForTimeout(10_000);
  const longTasks = await longTasksSince(page, start);
  const steps = await step(page);
  numbers.long_task_window_steps = steps;
  numbers.long_tasks_over_50ms = longTasks.length;
  assert(steps > 100, `training ran during the window (${steps} steps)`);
  assert(longTasks.length === 0, `long tasks: ${JSON.stringify(longTasks)}`);
});

async function main() {
  assert(fs.existsSync(path.join(DIST, 'index.html')), `no build at ${DIST}: run trunk build first`);
  const server = await serve(DIST);
  const origin = `http://127.0.0.1:${server.address().port}`;
  let failed = 0;
  const browsers = new Map();
  for (const { name, flags, body } of tests) {
    if (ONLY && !ONLY.some((o) => name.includes(o))) continue;
    const key = flags.join(' ');
    if (!browsers.has(key)) browsers.set(key, await launch(flags));
    const started = Date.now();
    const context = browsers.get(key);
    try {
      await body(context, origin);
      console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failed += 1;
      console.log(`FAIL ${name}: ${error.message}`);
    }
    for (const page of context.contexts().flatMap((c) => c.pages())) await page.close();
  }
  for (const browser of browsers.values()) await browser.close();
  server.close();
  const wasm = fs.readdirSync(DIST).filter((f) => f.endsWith('.wasm'));
  for (const file of wasm) {
    const bytes = fs.readFileSync(path.join(DIST, file));
    const gzip = (await import('node:zlib')).gzipSync(bytes, { level: 9 }).length;
    numbers[`${file}_mb`] = +(bytes.length / 1e6).toFixed(1);
    numbers[`${file}_gzip_mb`] = +(gzip / 1e6).toFixed(2);
  }
  console.log(`numbers: ${JSON.stringify(numbers)}`);
  console.log(failed ? `${failed} browser test(s) failed` : 'all browser tests passed');
  process.exit(failed ? 1 : 0);
}

main().catch((error) => { console.error(error); process.exit(1); });
