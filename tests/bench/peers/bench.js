// A twin of Seesaw's default MMoE (core/src/model/moe.rs + layers.rs, dataset `correlated`)
// trained with an in-browser peer library, timed inside the page. Query parameters:
//   lib=jax|tfjs  backend=webgpu|wasm  batch=256  jit=0|1 (jax only)
//   warm_ms (warm-up after the first step; at least steps 2–10)  timed_ms (timed window)
//   min_steps  max_steps  cap_ms (the timed window ends there even below min_steps)
// The result (or the error) is left in window.__bench for browser.mjs to read.
//
// The model, as Seesaw builds it by default (d = 100, 2 regression tasks):
//   experts: 8 MLPs 100→16, ReLU, run as one matmul x·W_e [100, 8·16] + b_e (GroupedMlp)
//   gates:   one linear softmax gate per task: softmax(x·W_g + b_g), W_g [100, 2·8]
//   mix:     task t reads Σ_e g_t(x)_e · f_e(x)
//   towers:  per task 16→8 (ReLU) →1, batched as [2, 16, 8] and [2, 8, 1] weights
//   loss:    MSE per task, summed (equal weighting); Adam (lr 0.005, β 0.9/0.999, ε 1e-8)
//   init:    U(±1/√fan_in) for weights and biases (PyTorch's default, as uniform_param)
// Parameters: 100·128 + 128 + 100·16 + 16 + 2·16·8 + 2·8 + 2·8·1 + 2·1 = 14 834.
// Inputs x ~ N(0, 1) [batch, 100] and targets y ~ N(0, 1) [2, batch, 1], made once and kept on
// the device; the losses are read back every 10 steps (as Seesaw's worker does).

const query = new URLSearchParams(location.search);
const LIB = query.get('lib') ?? 'jax';
const BACKEND = query.get('backend') ?? 'wasm';
const BATCH = Number(query.get('batch') ?? 256);
const JIT = query.get('jit') === '1';
const WARM_MS = Number(query.get('warm_ms') ?? 3000);
const TIMED_MS = Number(query.get('timed_ms') ?? 10000);
const MIN_STEPS = Number(query.get('min_steps') ?? 10);
const MAX_STEPS = Number(query.get('max_steps') ?? 1e9);
const CAP_MS = Number(query.get('cap_ms') ?? 1e9); // stop the timed window here once it has 10 steps
const READ_EVERY = 10;

const D = 100, EXPERTS = 8, HIDDEN = 16, TASKS = 2, TOWER = 8, OUT = 1;
const LR = 0.005, B1 = 0.9, B2 = 0.999, EPS = 1e-8;

/** Parameter shapes and fan-ins, in the order of GroupedMlp::new (experts, gates, towers). */
const SHAPES = {
  expert_w: [[D, EXPERTS * HIDDEN], D],
  expert_b: [[EXPERTS * HIDDEN], D],
  gate_w: [[D, TASKS * EXPERTS], D],
  gate_b: [[TASKS * EXPERTS], D],
  tower1_w: [[TASKS, HIDDEN, TOWER], HIDDEN],
  tower1_b: [[TASKS, 1, TOWER], HIDDEN],
  tower2_w: [[TASKS, TOWER, OUT], TOWER],
  tower2_b: [[TASKS, 1, OUT], TOWER],
};
const KEYS = Object.keys(SHAPES);
const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);

/** mulberry32: the same initial weights and data for every library and backend. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function uniformValues(next, count, bound) {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (2 * next() - 1) * bound;
  return out;
}
function normalValues(next, count) {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const u = Math.max(next(), 1e-12), v = next();
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}
function initialValues() {
  const next = generator(1);
  const params = {};
  for (const key of KEYS) {
    const [shape, fanIn] = SHAPES[key];
    params[key] = uniformValues(next, sizeOf(shape), 1 / Math.sqrt(fanIn));
  }
  return {
    params,
    x: normalValues(next, BATCH * D),
    y: normalValues(next, TASKS * BATCH * OUT),
  };
}

const yieldToLoop = () => new Promise((resolve) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(0);
});

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

// ---------------------------------------------------------------- jax-js
async function jaxTrainer(values) {
  const jax = await import('/node_modules/@jax-js/jax/dist/index.js');
  const { numpy: np, nn, valueAndGrad, jit, tree } = jax;
  const available = await jax.init(BACKEND);
  if (!available.includes(BACKEND)) throw new Error(`jax-js: backend ${BACKEND} not available (${available})`);
  jax.defaultDevice(BACKEND);

  let params = {}, m = {}, v = {};
  for (const key of KEYS) {
    const shape = SHAPES[key][0];
    params[key] = np.array(values.params[key]).reshape(shape);
    m[key] = np.zeros(shape);
    v[key] = np.zeros(shape);
  }
  const x = np.array(values.x).reshape([BATCH, D]);
  const y = np.array(values.y).reshape([TASKS, BATCH, OUT]);

  // Every jax-js function consumes its array arguments: `.ref` keeps one alive.
  function losses(p, xs, ys) {
    const batch = xs.shape[0];
    const experts = nn.relu(np.matmul(xs.ref, p.expert_w).add(p.expert_b)).reshape([batch, EXPERTS, HIDDEN]);
    const gates = nn.softmax(np.matmul(xs, p.gate_w).add(p.gate_b).reshape([batch, TASKS, EXPERTS]), -1);
    const mixed = np.matmul(gates, experts).transpose([1, 0, 2]); // [tasks, batch, hidden]
    const hidden = nn.relu(np.matmul(mixed, p.tower1_w).add(p.tower1_b));
    const out = np.matmul(hidden, p.tower2_w).add(p.tower2_b); // [tasks, batch, 1]
    return np.square(out.sub(ys)).mean([1, 2]); // [tasks]
  }
  const objective = (p, xs, ys) => {
    const l = losses(p, xs, ys);
    return [l.ref.sum(), l];
  };
  const lossAndGrad = valueAndGrad(objective, { hasAux: true });
  // One training step: forward, both losses, backward, Adam (PyTorch's form, bias-corrected).
  function trainStep(p, m0, v0, xs, ys, bc1, bc2) {
    const [[total, l], g] = lossAndGrad(tree.ref(p), xs, ys);
    total.dispose();
    const p1 = {}, m1 = {}, v1 = {};
    for (const key of KEYS) {
      const grad = g[key];
      m1[key] = m0[key].mul(B1).add(grad.ref.mul(1 - B1));
      v1[key] = v0[key].mul(B2).add(np.square(grad).mul(1 - B2));
      const mHat = m1[key].ref.div(bc1.ref);
      const vHat = v1[key].ref.div(bc2.ref);
      p1[key] = p[key].sub(mHat.mul(LR).div(np.sqrt(vHat).add(EPS)));
    }
    bc1.dispose();
    bc2.dispose();
    return [p1, m1, v1, l];
  }
  const run = JIT ? jit(trainStep) : trainStep;
  let t = 0;
  const count = tree.leaves(params).reduce((n, a) => n + a.size, 0);
  return {
    params: count,
    version: 'jax-js',
    async step(read) {
      t += 1;
      const bc1 = np.array([1 - B1 ** t]), bc2 = np.array([1 - B2 ** t]);
      const [p1, m1, v1, l] = run(params, m, v, x.ref, y.ref, bc1, bc2);
      params = p1; m = m1; v = v1;
      if (read) return Array.from(await l.data());
      l.dispose();
      return null;
    },
  };
}

// ---------------------------------------------------------------- TF.js
async function tfTrainer(values) {
  const base = '/node_modules/@tensorflow';
  await loadScript(`${base}/tfjs/dist/tf.min.js`);
  const tf = window.tf;
  if (BACKEND === 'webgpu') await loadScript(`${base}/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js`);
  if (BACKEND === 'wasm') {
    await loadScript(`${base}/tfjs-backend-wasm/dist/tf-backend-wasm.min.js`);
    tf.wasm.setWasmPaths(`${base}/tfjs-backend-wasm/dist/`);
  }
  if (!(await tf.setBackend(BACKEND))) throw new Error(`TF.js: backend ${BACKEND} did not initialise`);
  await tf.ready();
  if (tf.getBackend() !== BACKEND) throw new Error(`TF.js: running on ${tf.getBackend()}, not ${BACKEND}`);

  const w = {};
  for (const key of KEYS) w[key] = tf.variable(tf.tensor(values.params[key], SHAPES[key][0]), true, key);
  const x = tf.tensor(values.x, [BATCH, D]);
  const y = tf.tensor(values.y, [TASKS, BATCH, OUT]);
  const optimizer = tf.train.adam(LR, B1, B2, EPS);
  const varList = KEYS.map((key) => w[key]);

  function losses() {
    const experts = tf.relu(tf.add(tf.matMul(x, w.expert_w), w.expert_b)).reshape([BATCH, EXPERTS, HIDDEN]);
    const gates = tf.softmax(tf.add(tf.matMul(x, w.gate_w), w.gate_b).reshape([BATCH, TASKS, EXPERTS]));
    const mixed = tf.transpose(tf.matMul(gates, experts), [1, 0, 2]);
    const hidden = tf.relu(tf.add(tf.matMul(mixed, w.tower1_w), w.tower1_b));
    const out = tf.add(tf.matMul(hidden, w.tower2_w), w.tower2_b);
    return tf.mean(tf.square(tf.sub(out, y)), [1, 2]);
  }
  let kept = null;
  const objective = () => {
    const l = losses();
    kept = tf.keep(l);
    return tf.sum(l);
  };
  return {
    params: varList.reduce((n, variable) => n + variable.size, 0),
    version: `tfjs ${tf.version.tfjs}`,
    async step(read) {
      const cost = optimizer.minimize(objective, true, varList);
      cost.dispose();
      const l = kept;
      kept = null;
      if (read) {
        const data = Array.from(await l.data());
        l.dispose();
        return data;
      }
      l.dispose();
      return null;
    },
  };
}

// ---------------------------------------------------------------- timing
async function main() {
  const values = initialValues();
  const loadStart = performance.now();
  const trainer = LIB === 'tfjs' ? await tfTrainer(values) : await jaxTrainer(values);
  const setupDone = performance.now();

  const firstStart = performance.now();
  const firstLosses = await trainer.step(true);
  const firstDone = performance.now();
  let steps = 1;
  let lastLosses = firstLosses;
  const chunk = async () => {
    for (let i = 1; i < READ_EVERY; i++) await trainer.step(false);
    lastLosses = await trainer.step(true);
    steps += READ_EVERY;
    await yieldToLoop();
  };
  // Warm-up: up to step READ_EVERY (its losses are compared across peers), then chunks until
  // WARM_MS after the first step.
  let lossesAtReadEvery = null;
  while (steps < READ_EVERY) {
    steps += 1;
    const read = await trainer.step(steps === READ_EVERY);
    if (read) lossesAtReadEvery = read;
  }
  while (performance.now() - firstDone < WARM_MS) await chunk();
  const warmSteps = steps;

  const timedStart = performance.now();
  let timed = 0;
  for (;;) {
    const elapsed = performance.now() - timedStart;
    const enough = elapsed >= TIMED_MS && timed >= MIN_STEPS;
    if (timed > 0 && (enough || timed >= MAX_STEPS || elapsed >= CAP_MS)) break;
    await chunk();
    timed += READ_EVERY;
  }
  const timedMs = performance.now() - timedStart;
  const ok = [...firstLosses, ...lossesAtReadEvery, ...lastLosses].every(Number.isFinite);
  return {
    lib: LIB,
    backend: BACKEND,
    jit: LIB === 'jax' ? JIT : null,
    batch: BATCH,
    params: trainer.params,
    library: trainer.version,
    cross_origin_isolated: self.crossOriginIsolated,
    load_and_init_ms: +(setupDone - loadStart).toFixed(1),
    first_step_ms: +(firstDone - firstStart).toFixed(1),
    page_load_to_first_step_ms: +firstDone.toFixed(1),
    warmup_steps: warmSteps,
    timed_steps: timed,
    timed_ms: +timedMs.toFixed(1),
    ms_per_step: +(timedMs / timed).toFixed(3),
    steps_per_second: +(timed / (timedMs / 1000)).toFixed(1),
    losses_first_step: firstLosses.map((l) => +l.toPrecision(7)),
    losses_step_10: lossesAtReadEvery.map((l) => +l.toPrecision(7)),
    losses_last: lastLosses.map((l) => +l.toPrecision(4)),
    finite: ok,
  };
}

const out = document.getElementById('out');
if (LIB === 'none') {
  window.__bench = { state: 'idle' };
  out.textContent = 'idle (lib=none)';
} else {
  window.__bench = { state: 'running' };
  run();
}
function run() {
  main().then((result) => {
  window.__bench = { state: 'done', result };
  out.textContent = JSON.stringify(result, null, 2);
}, (error) => {
  window.__bench = { state: 'error', error: `${error?.message ?? error}\n${error?.stack ?? ''}` };
  out.textContent = window.__bench.error;
});
}
