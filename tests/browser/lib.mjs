// Shared by the browser tests (run.mjs) and the browser benchmark (bench.mjs): a static server
// for dist/, Debian's Chromium with or without software WebGPU, and the page's test hooks.
import { chromium } from 'playwright-core';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const BASE_FLAGS = [
  '--no-sandbox', '--disable-gpu-sandbox', '--disable-dev-shm-usage', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];
export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu', '--enable-features=Vulkan,WebGPU', '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
];
export const NO_WEBGPU_FLAGS = ['--disable-features=WebGPU'];

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json',
};

/** The policy the build wrote into index.html (scripts/csp.mjs), if any. */
export function policyOf(root) {
  const html = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
  return html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/)?.[1];
}

/** A static server for `root`; every response carries the page's CSP as a header too, so the
 *  workers (whose policy comes from their own response) run under it as well. */
export function serve(root) {
  const policy = policyOf(root);
  const server = http.createServer((request, response) => {
    if (policy) response.setHeader('content-security-policy', policy);
    const url = new URL(request.url, 'http://127.0.0.1');
    let file = path.join(root, decodeURIComponent(url.pathname));
    if (!file.startsWith(root)) { response.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (error, body) => {
      if (error) { response.writeHead(404).end('not found'); return; }
      response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function launch(flags) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_FLAGS, ...flags],
  });
}

/** A page on `hash`, recording console errors (page and worker), requests and long tasks. */
export async function open(browser, origin, hash) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  const foreign = [];
  const log = [];
  const onConsole = (where) => (message) => {
    const text = `${where}: ${message.text()}`;
    log.push(text);
    if (message.type() === 'error') errors.push(text);
  };
  page.on('console', onConsole('page'));
  page.on('worker', (worker) => worker.on('console', onConsole('worker')));
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  const requests = [];
  const onRequest = (request) => {
    requests.push(request.url());
    if (!request.url().startsWith(origin) && !/^(data|blob):/.test(request.url())) foreign.push(request.url());
  };
  page.on('request', onRequest);
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
    // The page's visibility, as a test sets it (headless pages are always visible).
    window.__setHidden = (hidden) => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
      document.dispatchEvent(new Event('visibilitychange'));
    };
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
    // Long animation frames name the scripts that ran in them: what a long task was.
    window.__longFrames = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        window.__longFrames.push({
          start: entry.startTime,
          end: entry.startTime + entry.duration,
          scripts: entry.scripts.map((s) => `${s.invokerType} ${s.invoker} ${s.sourceFunctionName || ''} (${s.sourceURL.split('/').pop()}) ${Math.round(s.duration)} ms`),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  });
  await page.goto(`${origin}/${hash}`);
  return { page, errors, foreign, log, requests };
}

export const text = (page, id) => page.locator(`[data-testid="${id}"]`).first().innerText();
export const step = async (page) => Number(await text(page, 'step'));
export const losses = async (page) =>
  (await page.locator('[data-testid="task-loss"]').allInnerTexts()).map(Number);

export async function waitFor(what, check, timeoutMs, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Waits until the backend hook names `backend` and Play is enabled, checked in the page every
 *  16 ms (so the load times the tests and benchmarks read are the page's, not the polling's). */
export async function ready(page, backend, timeoutMs = 120_000) {
  try {
    await page.waitForFunction((label) => document.querySelector('[data-testid="backend"]')?.innerText.includes(label)
      && document.querySelector('[data-testid="play"]')?.disabled === false, backend, { polling: 16, timeout: timeoutMs });
  } catch (error) {
    const shown = await page.evaluate(() => ({
      backend: document.querySelector('[data-testid="backend"]')?.innerText ?? null,
      play_enabled: document.querySelector('[data-testid="play"]')?.disabled === false,
    })).catch(() => null);
    throw new Error(`timed out after ${timeoutMs} ms waiting for the backend hook to say ${backend} and Play to be enabled (last: ${JSON.stringify(shown)}): ${error.message}`);
  }
}

/** Waits until the page shows its first step, checked in the page every 16 ms as `ready` checks
 *  (so a first-step time read right after is the page's, not the polling's). */
export async function firstStep(page, timeoutMs) {
  try {
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="step"]')?.innerText) > 0,
      null, { polling: 16, timeout: timeoutMs });
  } catch (error) {
    const shown = await step(page).catch(() => null);
    throw new Error(`timed out after ${timeoutMs} ms waiting for the first step (last: ${JSON.stringify(shown)}): ${error.message}`);
  }
}

/** Main-thread tasks over 50 ms since `t0`, each with the scripts of the long animation frame
 *  it fell in (so a failure says what ran). */
export async function longTasksSince(page, t0) {
  return page.evaluate((t0) => window.__longTasks
    .filter((t) => t.start >= t0 && t.duration > 50)
    .map((t) => ({
      ...t,
      scripts: window.__longFrames.filter((f) => f.start <= t.start + t.duration && f.end >= t.start).flatMap((f) => f.scripts),
    })), t0);
}

/** The loader of the worker build a run on `backend` needs: the twin of
 *  `protocol::WorkerBuild::url` (the CPU-only build for `cpu`, the WebGPU build otherwise). */
export const workerLoader = (backend) =>
  (backend === 'cpu' ? './seesaw-worker-cpu_loader.js' : './seesaw-worker_loader.js');

/** Starts, in `page`, a worker of the page's own build for `backend` (as the comparison panel
 *  does) and waits for its bare `Loaded`. The page keeps it as `window.__seesawWorker`, which
 *  records each run's result (`Trained` or `Failed`), each run's last `Progress` (step, and
 *  when it arrived), the first `Ready`, the worker's log lines and a crash. */
export async function startWorker(page, backend) {
  await page.evaluate((loader) => new Promise((resolve, reject) => {
    const state = { results: {}, progress: {}, readyAt: null, logs: [], crashed: null };
    const worker = new Worker(loader);
    window.__seesawWorker = { worker, state };
    worker.onmessage = (event) => {
      const message = JSON.parse(event.data);
      // Unit variants (`Loaded`) arrive as bare strings.
      if (message === 'Loaded') resolve();
      if (typeof message !== 'object' || message === null) return;
      const done = message.Trained ?? message.Failed;
      if (done) state.results[done.run] = message;
      else if (message.Progress) state.progress[message.Progress.run] = { step: message.Progress.step, at: performance.now() };
      else if (message.Ready) state.readyAt ??= performance.now();
      else if (message.Log) state.logs.push(message.Log.message);
      else if (message.Crashed) {
        state.crashed = message.Crashed.message;
        reject(new Error(`the worker crashed: ${state.crashed}`));
      }
    };
  }), workerLoader(backend));
}

/** Sends `jobs` ([id, RunConfig] pairs) to the worker `startWorker` started, in one `Train`
 *  message, and waits for every job's result: the ms from sending to the last result, each
 *  job's report by id (`{ failed }` for a failed one) and the worker's log lines so far. */
export async function trainInWorker(page, jobs, backend, timeoutMs = 600_000) {
  return page.evaluate(async ([jobs, backend, timeoutMs]) => {
    const { worker, state } = window.__seesawWorker;
    // A job id may come again (the same jobs on another backend): only this Train's results.
    for (const [id] of jobs) delete state.results[id];
    const sent = performance.now();
    worker.postMessage(JSON.stringify({ Train: { jobs, backend } }));
    const done = () => jobs.every(([id]) => id in state.results);
    while (!done() && !state.crashed && performance.now() - sent < timeoutMs) {
      await new Promise((r) => setTimeout(r, 5));
    }
    if (state.crashed) throw new Error(`the worker crashed: ${state.crashed}`);
    if (!done()) throw new Error(`no result for every job in ${timeoutMs} ms`);
    const reports = Object.fromEntries(jobs.map(([id]) => {
      const message = state.results[id];
      return [id, message.Trained ? message.Trained.report : { failed: message.Failed.message }];
    }));
    return { ms: performance.now() - sent, reports, logs: [...state.logs] };
  }, [jobs, backend, timeoutMs]);
}
