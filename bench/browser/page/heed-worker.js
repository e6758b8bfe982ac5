// heed's engine in a dedicated worker, as the app's engine worker loads it:
// the kernels' script, heedKernels.init with the directory of its files,
// then the Go program, whose memory the kernels are told about before it
// runs (heedKernels.goMemory). Inside a worker the kernels' threads are
// nested workers, and waiting for them may block (Atomics.wait).
"use strict";

importScripts("wasm_exec.js");

onmessage = async (e) => {
	const fail = (err) => postMessage({ done: true, error: String(err && err.stack ? err.stack : err) });
	try {
		globalThis.benchConfig = e.data;
		const cfg = JSON.parse(e.data);
		if (cfg.kernels) {
			importScripts(cfg.kernels);
			const k = await heedKernels.init({ threads: cfg.threads, base: new URL(".", new URL(cfg.kernels, location.href)).href });
			if (!k.ready) throw new Error("kernels: " + k.error);
		}
		const go = new Go();
		const { instance } = await WebAssembly.instantiateStreaming(fetch("heed.wasm"), go.importObject);
		if (globalThis.heedKernels) heedKernels.goMemory = instance.exports.mem;
		await go.run(instance);
		postMessage(globalThis.bench || { done: true, error: "the Go program left no result" });
	} catch (err) {
		fail(err);
	}
};
