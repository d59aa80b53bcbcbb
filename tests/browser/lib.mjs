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

export async function ready(page, backend, timeoutMs = 120_000) {
  await waitFor(`the backend hook to say ${backend}`, async () => {
    const shown = await text(page, 'backend');
    return shown.includes(backend) ? shown : false;
  }, timeoutMs);
  await waitFor('the play button to be enabled', () => page.locator('[data-testid="play"]').isEnabled(), timeoutMs);
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
