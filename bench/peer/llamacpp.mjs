// Measures llama.cpp on one GGUF file, the same way heed's bench measures its
// CPU executor: a fixed prompt of token ids, then greedy decode steps.
//
//   node llamacpp.mjs MODEL.gguf THREADS PROMPT_IDS_JSON DECODE_STEPS
//
// Prints one JSON line: {"prefill_tps":…, "decode_tps":…}. Prebuilt CPU
// binaries only (build: "never"); f32 KV cache to match heed's.
import {getLlama} from "node-llama-cpp";

const [,, modelPath, threadsArg, idsJSON, stepsArg] = process.argv;
const threads = Number(threadsArg), steps = Number(stepsArg);
const ids = JSON.parse(idsJSON);

const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath});
const context = await model.createContext({
    threads, contextSize: ids.length + steps + 8, batchSize: Math.max(ids.length, 1),
    flashAttention: false, experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
});
const seq = context.getSequence();

const t0 = performance.now();
await seq.evaluateWithoutGeneratingNewTokens(ids);
const t1 = performance.now();

// Greedy decode: every step evaluates one token and picks the next.
let n = 0;
const t2 = performance.now();
for await (const token of seq.evaluate([ids[ids.length - 1]], {temperature: 0, yieldEogToken: true})) {
    if (++n >= steps) break;
}
const t3 = performance.now();

console.log(JSON.stringify({prefill_tps: ids.length / ((t1 - t0) / 1000), decode_tps: n / ((t3 - t2) / 1000)}));
await context.dispose();
await model.dispose();
await llama.dispose();
