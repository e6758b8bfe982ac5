// wllama's side of the benchmark (llama.cpp compiled to WebAssembly, npm
// @wllama/wllama, served under wllama/): the harness passes the run in the
// query string and polls globalThis.bench for the result. The model is
// fetched whole and handed over as a Blob (heed's page fetches it whole too).
import { Wllama } from "./wllama/esm/index.js";

const state = { done: false, error: null, result: null, log: [] };
globalThis.bench = state;

const log = (...a) => state.log.push(a.map(String).join(" "));
const logger = { debug: () => {}, log, warn: log, error: log };

(async () => {
	try {
		const cfg = JSON.parse(new URLSearchParams(location.search).get("config"));
		const t0 = performance.now();
		const wllama = new Wllama({ default: "./wllama/esm/wasm/wllama.wasm" }, { logger });
		const r = await fetch(cfg.model);
		if (!r.ok) throw new Error(`${cfg.model}: ${r.status}`);
		const blob = await r.blob();
		// f32 KV cache like heed's; one batch for the whole prompt; CPU only.
		await wllama.loadModel([blob], {
			n_threads: cfg.threads, n_ctx: cfg.ctx, n_batch: cfg.prompt_ids, n_ubatch: cfg.prompt_ids,
			n_gpu_layers: 0, cache_type_k: "f32", cache_type_v: "f32",
		});
		const loadMS = performance.now() - t0;
		// Greedy (temperature 0), exactly decode tokens, no prompt cache
		// between the runs; logit_bias bans what main.go's promptFor says. The
		// first run, with log-probabilities, gives the token ids (wllama's
		// completion API returns text otherwise) and warms up; the second is
		// timed. The chosen token's, after the sampler: the most likely token
		// before it may be a banned byte token (the bias does not reach the
		// raw log-probabilities), whose lone byte wllama cannot put in its JSON.
		const run = (logprobs) => wllama.createCompletion({
			prompt: cfg.prompt, max_tokens: cfg.decode, temperature: 0, ignore_eos: true,
			cache_prompt: false, logit_bias: cfg.ban, logprobs: logprobs ? 1 : undefined, post_sampling_probs: logprobs,
		});
		const first = await run(true);
		const tokens = first.choices[0].logprobs.content.map((c) => c.id);
		const out = await run(false);
		const t = out.timings;
		if (out.usage.prompt_tokens !== cfg.prompt_ids) {
			throw new Error(`wllama read ${out.usage.prompt_tokens} prompt tokens, heed ${cfg.prompt_ids}`);
		}
		state.result = {
			load_ms: loadMS, threads: wllama.getNumThreads(), tokens, kernels: "llama.cpp wasm",
			// llama.cpp's prompt timing covers the prompt's batch; its decode
			// timing starts at the first token (sampled from the prompt's logits): it
			// covers the other tokens' forward passes, as heed's decode timing does.
			prefill_tps: t.prompt_per_second, decode_tps: (t.predicted_n - 1) / (t.predicted_ms / 1000),
		};
	} catch (e) {
		state.error = String(e && e.stack ? e.stack : e);
	}
	state.done = true;
})();
