// Runs llama.cpp (node-llama-cpp, prebuilt CPU binaries, no build) on one GGUF file and
// prints what heed's tests compare with, as one JSON line:
//
//   {"ids": [...], "greedy": [...], "logprobs": [[...], ...]}
//
// - ids: the prompt's token ids, as llama.cpp tokenises req.text (BOS first when the
//   model's tokenizer adds one), or req.ids when given;
// - greedy: req.steps tokens generated greedily after the prompt;
// - logprobs: for every position of ids followed by greedy (but its last token), the
//   natural log of the next-token probabilities over the whole vocabulary (temperature 1,
//   no truncation: the log-softmax of the logits), null where a probability is 0.
//
// The request is one JSON object on stdin: {model, text | ids, steps, context, threads}.
// NODE_LLAMA_CPP names node-llama-cpp's entry module (dist/index.js). f32 KV cache and no
// flash attention, as heed computes: llama.cpp's default f16 cache alone moves tail
// log-probabilities by up to 1e-2.
import {pathToFileURL} from "node:url";

const {getLlama} = await import(pathToFileURL(process.env.NODE_LLAMA_CPP).href);

let input = "";
for await (const chunk of process.stdin) input += chunk;
const req = JSON.parse(input);

const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath: req.model, gpuLayers: 0});
let ids = req.ids;
if (!ids) {
    ids = model.tokenize(req.text, false);
    if (model.tokens.shouldPrependBosToken && model.tokens.bos != null) ids = [model.tokens.bos, ...ids];
}
const context = await model.createContext({
    threads: req.threads ?? 1, contextSize: req.context, batchSize: Math.max(ids.length, 1),
    flashAttention: false, experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
});
const vocab = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
const seq = context.getSequence();
const greedy = [];
if (req.steps > 0) {
    for await (const token of seq.evaluate(ids, {temperature: 0, yieldEogToken: true})) {
        greedy.push(token);
        if (greedy.length >= req.steps) break;
    }
}
await seq.clearHistory();
const opts = {generateNext: {probabilities: true, options: {temperature: 1, topK: vocab, topP: 1, minP: 0}}};
const all = ids.concat(greedy.slice(0, -1));
const out = await seq.controlledEvaluate(all.map(t => [t, opts]));
const logprobs = out.map(o => {
    const row = new Array(vocab).fill(null);
    for (const [tok, p] of o.next.probabilities) if (p > 0) row[tok] = Math.log(p);
    return row;
});
console.log(JSON.stringify({ids, greedy, logprobs}));
await context.dispose();
await model.dispose();
await llama.dispose();
