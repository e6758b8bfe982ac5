// Runs heed's side of the benchmark in a dedicated worker, the way the app
// runs its engine (heed-worker.js), and copies the worker's result into
// globalThis.bench for the harness.
"use strict";

(() => {
	const config = new URLSearchParams(location.search).get("config");
	const w = new Worker("heed-worker.js");
	w.onmessage = (e) => { globalThis.bench = e.data; };
	w.onerror = (e) => { globalThis.bench = { done: true, error: "worker: " + (e.message || "failed") }; };
	w.postMessage(config);
})();
