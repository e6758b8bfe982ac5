// Keeps the WebAssembly instance that go-app's loader creates in
// globalThis.wasm, shaped { instance }, because the WebGPU binding
// (github.com/cogentcore/webgpu, jsx.BytesToJS) reads the Go heap through
// globalThis.wasm.instance.exports.mem and go-app keeps its instance local.
// The page loads this file before go-app's deferred app.js, which captures
// WebAssembly.instantiateStreaming when it runs.
"use strict";
(() => {
  const keep = (result) => {
    globalThis.wasm = result instanceof WebAssembly.Instance ? { instance: result } : result;
    return result;
  };
  const streaming = WebAssembly.instantiateStreaming;
  if (streaming) {
    WebAssembly.instantiateStreaming = (source, imports) =>
      streaming.call(WebAssembly, source, imports).then(keep);
  }
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = (source, imports) =>
    instantiate.call(WebAssembly, source, imports).then(keep);
})();
