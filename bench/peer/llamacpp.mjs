// Measures llama.cpp on one GGUF file, the same way heed's bench measures its
// executors: a fixed prompt of token ids, then greedy decode steps.
//
//   node llamacpp.mjs MODEL.gguf THREADS PROMPT_IDS_JSON DECODE_STEPS [--gpu vulkan]
//
// Prints one JSON line: {"prefill_tps":…, "decode_tps":…, "prefill_cpu_s":…,
// "decode_cpu_s":…, "tokens":[…], "device":…}; the CPU seconds are the whole
// process's (llama.cpp's threads and Node's) in each phase.
// Prebuilt binaries only (build: "never"); f32 KV cache to match heed's.
// Without --gpu, the CPU build. With --gpu vulkan, the Vulkan build with every
// layer offloaded; llama.cpp skips CPU-type Vulkan devices (lavapipe) unless
// GGML_VK_VISIBLE_DEVICES names them, so set it (e.g. 0) there.
//
// The prompt but its last token is evaluated as one batch (prefill, timed
// over those tokens); decode then evaluates the last prompt token and each
// generated one, DECODE_STEPS single-token steps that yield the greedy tokens
// heed's child generates after its prefill of the whole prompt. One untimed
// prefill and decode step runs first, so that pipelines compiled on first use
// (GPU) and the first pass over freshly loaded weights (CPU) are not counted
// (heed's children warm up the same way).
import {getLlama} from "node-llama-cpp";

const args = process.argv.slice(2);
let gpu = false;
const gpuAt = args.indexOf("--gpu");
if (gpuAt >= 0) {
    gpu = args[gpuAt + 1];
    args.splice(gpuAt, 2);
    if (gpu !== "vulkan") {
        console.error(`llamacpp.mjs: --gpu ${gpu}: only "vulkan" is supported`);
        process.exit(2);
    }
}
const [modelPath, threadsArg, idsJSON, stepsArg] = args;
const threads = Number(threadsArg), steps = Number(stepsArg);
const ids = JSON.parse(idsJSON);
if (ids.length < 2) {
    console.error("llamacpp.mjs: the prompt needs at least two tokens");
    process.exit(2);
}

const llama = await getLlama({gpu, build: "never", logLevel: "error"});
if (llama.gpu !== gpu) {
    console.error(`llamacpp.mjs: asked for gpu ${gpu}, got ${llama.gpu}`);
    process.exit(1);
}
const device = gpu ? (await llama.getGpuDeviceNames()).join(", ") : "cpu";
if (gpu && device === "") {
    console.error("llamacpp.mjs: the Vulkan backend found no device (for lavapipe set GGML_VK_VISIBLE_DEVICES=0)");
    process.exit(1);
}
const model = await llama.loadModel({modelPath, gpuLayers: gpu ? "max" : 0});
const context = await model.createContext({
    threads, contextSize: ids.length + steps + 8, batchSize: Math.max(ids.length, 1),
    flashAttention: false, experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
});
const seq = context.getSequence();
const head = ids.slice(0, -1), last = ids[ids.length - 1];

// decode runs count greedy steps from the last prompt token and returns the tokens.
async function decode(count) {
    const tokens = [];
    for await (const token of seq.evaluate([last], {temperature: 0, yieldEogToken: true})) {
        tokens.push(token);
        if (tokens.length >= count) break;
    }
    return tokens;
}

// Warm-up (see the header).
await seq.evaluateWithoutGeneratingNewTokens(head);
await decode(1);
await seq.clearHistory();

const c0 = process.cpuUsage(), t0 = performance.now();
await seq.evaluateWithoutGeneratingNewTokens(head);
const c1 = process.cpuUsage(), t1 = performance.now();
const tokens = await decode(steps);
const c2 = process.cpuUsage(), t2 = performance.now();
const cpuSeconds = (a, b) => (b.user - a.user + b.system - a.system) / 1e6;

console.log(JSON.stringify({
    prefill_tps: head.length / ((t1 - t0) / 1000),
    decode_tps: tokens.length / ((t2 - t1) / 1000),
    prefill_cpu_s: cpuSeconds(c0, c1),
    decode_cpu_s: cpuSeconds(c1, c2),
    tokens, device,
}));
await context.dispose();
await model.dispose();
await llama.dispose();
