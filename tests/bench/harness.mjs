// Timing harness for `npm run bench`: warm-up, interleaved round-robin samples, median and IQR.

// A workload's implementation as the harness drives it:
//   { name, run(): any            the timed call (sync), or
//     runAsync(): Promise<any>    the timed call when it must be awaited (e.g. fit),
//     beforeSample?(): void|Promise untimed, before each sample (switch backend, reset weights)
//     callsPerRun?: number          how many calls one run() makes (times are divided by it) }

const now = () => performance.now();

// Median and interquartile range of a list of numbers (linear interpolation between ranks).
export function summarize(values) {
  const v = [...values].sort((a, b) => a - b);
  const q = (p) => {
    const pos = (v.length - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return v[lo] + (v[hi] - v[lo]) * (pos - lo);
  };
  return { median: q(0.5), q1: q(0.25), q3: q(0.75), min: v[0], max: v[v.length - 1], n: v.length };
}

// Calls impl `reps` times back to back and returns the mean ms per call.
async function timeReps(impl, reps) {
  if (impl.runAsync) {
    const t0 = now();
    for (let i = 0; i < reps; ++i) await impl.runAsync();
    return (now() - t0) / reps;
  }
  const t0 = now();
  for (let i = 0; i < reps; ++i) impl.run();
  return (now() - t0) / reps;
}

// Runs each implementation for at least warmupMs (so V8 tiers the JS and wasm up), then picks
// how many calls make one sample of about sampleMs, then takes `samples` samples per
// implementation, rotating the start of the round-robin each round so no implementation is
// always first. Returns { [name]: summary of ms per call (plus reps per sample) }.
export async function measure(impls, { warmupMs, sampleMs, samples }) {
  const reps = new Map();
  for (const impl of impls) {
    if (impl.beforeSample) await impl.beforeSample();
    let calls = 0;
    const t0 = now();
    while (now() - t0 < warmupMs || calls < 2) {
      await timeReps(impl, 1);
      ++calls;
    }
    // Estimate from the end of the warm-up (the tiered-up code), not from its start.
    const perCall = await timeReps(impl, Math.max(1, Math.ceil(calls / 4)));
    reps.set(impl.name, Math.max(1, Math.round(sampleMs / Math.max(perCall, 1e-6))));
  }
  const times = new Map(impls.map((impl) => [impl.name, []]));
  for (let s = 0; s < samples; ++s) {
    for (let k = 0; k < impls.length; ++k) {
      const impl = impls[(s + k) % impls.length];
      if (impl.beforeSample) await impl.beforeSample();
      times.get(impl.name).push(await timeReps(impl, reps.get(impl.name)));
    }
  }
  const out = {};
  for (const impl of impls) {
    const per = impl.callsPerRun || 1;
    const t = times.get(impl.name).map((ms) => ms / per);
    out[impl.name] = { ...summarize(t), repsPerSample: reps.get(impl.name) * per };
  }
  return out;
}
