// heed's engine worker: a dedicated Web Worker that runs the engine's wasm
// (cmd/worker, web/engine.wasm), so the page's own thread never runs model
// math. The page posts {init: {wasm, exec}} first (the content-addressed
// URLs of engine.wasm and Go's wasm_exec.js); the Go program then installs
// its own onmessage and answers the page's requests (heed/app/wire).
//
// The WebGPU binding reads the Go heap through globalThis.wasm.instance,
// as web/wasm-global.js arranges on the page: the same is set here.
"use strict";
self.onmessage = (first) => {
  const init = first.data && first.data.init;
  if (!init) return;
  self.onmessage = null; // nothing else is sent before the engine says it is ready
  importScripts(init.exec);
  const go = new Go();
  const start = (result) => {
    globalThis.wasm = result;
    go.run(result.instance);
  };
  const fetched = fetch(init.wasm);
  (WebAssembly.instantiateStreaming
    ? WebAssembly.instantiateStreaming(fetched, go.importObject)
    : fetched.then((r) => r.arrayBuffer()).then((b) => WebAssembly.instantiate(b, go.importObject))
  ).then(start, (err) => {
    // Thrown outside the promise, the error reaches the page's Worker.onerror.
    setTimeout(() => { throw new Error("the engine could not start: " + err); });
  });
};
