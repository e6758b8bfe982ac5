// heed's engine worker: a dedicated Web Worker that runs the engine's wasm
// (cmd/worker, web/engine.wasm), so the page's own thread never runs model
// math. The page posts {init: {wasm, exec, kernels}} first (the
// content-addressed URLs of engine.wasm, Go's wasm_exec.js and, optionally,
// the WebAssembly SIMD kernels' files); the Go program then installs its own
// onmessage and answers the page's requests (heed/app/wire).
//
// The kernels (engine/wasmkernels) start before Go does: the CPU executor
// attaches to them when it is created, and keeps Go's own kernels where they
// could not start (no wasm SIMD), which it reports as its backend. Inside
// this worker their threads are nested workers (cross-origin isolated pages
// only) and the engine thread may block while they finish (Atomics.wait).
//
// The WebGPU binding and the kernels read the Go heap through
// globalThis.wasm.instance, as web/wasm-global.js arranges on the page.
"use strict";
self.onmessage = async (first) => {
  const init = first.data && first.data.init;
  if (!init) return;
  self.onmessage = null; // nothing else is sent before the engine says it is ready
  const fail = (err) => {
    // Thrown outside the promise, the error reaches the page's Worker.onerror.
    setTimeout(() => { throw new Error("the engine could not start: " + err); });
  };
  try {
    importScripts(init.exec);
    if (init.kernels && init.kernels.script) {
      try {
        importScripts(init.kernels.script);
        const k = await heedKernels.init({ urls: init.kernels.files, base: location.href });
        if (!k.ready) console.warn("heed: WebAssembly SIMD kernels unavailable, the CPU executor runs Go's:", k.error);
      } catch (err) {
        console.warn("heed: WebAssembly SIMD kernels could not load, the CPU executor runs Go's:", err);
      }
    }
    const go = new Go();
    const fetched = fetch(init.wasm);
    const result = await (WebAssembly.instantiateStreaming
      ? WebAssembly.instantiateStreaming(fetched, go.importObject)
      : fetched.then((r) => r.arrayBuffer()).then((b) => WebAssembly.instantiate(b, go.importObject)));
    globalThis.wasm = result;
    if (globalThis.heedKernels) heedKernels.goMemory = result.instance.exports.mem;
    go.run(result.instance);
  } catch (err) {
    fail(err);
  }
};
