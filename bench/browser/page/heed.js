// Starts heed's side of the benchmark (bench/browser/heedwasm): the harness
// passes the run in the query string; the Go program reads it from
// globalThis.benchConfig and leaves its result in globalThis.bench.
"use strict";

(async () => {
	const fail = (e) => { globalThis.bench = { done: true, error: String(e && e.stack ? e.stack : e) }; };
	try {
		const q = new URLSearchParams(location.search);
		globalThis.benchConfig = q.get("config");
		const cfg = JSON.parse(globalThis.benchConfig);
		if (cfg.kernels) {
			// heed's SIMD kernels: a script that defines globalThis.heedKernels.
			await new Promise((resolve, reject) => {
				const s = document.createElement("script");
				s.src = cfg.kernels;
				s.onload = resolve;
				s.onerror = () => reject(new Error("loading " + cfg.kernels));
				document.head.appendChild(s);
			});
			await globalThis.heedKernels.init({ threads: cfg.threads, base: cfg.kernelsBase });
		}
		const go = new Go();
		go.exit = (code) => { if (code !== 0 && !globalThis.bench) fail("exit " + code); };
		const { instance } = await WebAssembly.instantiateStreaming(fetch("heed.wasm"), go.importObject);
		// cogentcore/webgpu's js binding reads the instance from globalThis.wasm.
		globalThis.wasm = { instance };
		await go.run(instance);
	} catch (e) {
		fail(e);
	}
})();
