// Starts the page's wasm (go-app's client, cmd/serve) when the visitor
// first interacts with the page: the server-rendered first screen — the
// prompt, both continuations and the Influence heatmap, computed by the
// server — needs no script, so nothing competes with its paint: go-app's
// loader (app.js) asks for app.wasm at once, and its fetch and
// instantiation are held until then. The service worker has meanwhile
// cached the file, so the wait is short. The loader's badge shows from the
// first interaction on (class heed-starting on the root element).
//
// The control clicked first is remembered in globalThis.heedFirstClick (its
// heed-* class), so the app can do what was asked once it runs.
//
// Loaded without defer, before go-app's deferred app.js captures
// WebAssembly.instantiateStreaming.
"use strict";
(() => {
  const events = ["pointerdown", "pointermove", "keydown", "touchstart", "wheel", "scroll", "focusin"];
  let go;
  const interacted = new Promise((resolve) => { go = resolve; });
  const start = (e) => {
    for (const name of events) removeEventListener(name, start, true);
    const button = e.target && e.target.closest && e.target.closest("button");
    if (button && (e.type === "pointerdown" || e.type === "keydown")) {
      globalThis.heedFirstClick = [...button.classList].find((c) => c.startsWith("heed-open-") || c === "heed-generate") || "";
    }
    document.documentElement.classList.add("heed-starting");
    go();
  };
  for (const name of events) addEventListener(name, start, {capture: true, passive: true});
  const fetch = globalThis.fetch;
  globalThis.fetch = function (input, init) {
    const url = typeof input === "string" ? input : input && input.url;
    if (url && /\/web\/app\.wasm(\?|$)/.test(url)) return interacted.then(() => fetch.call(globalThis, input, init));
    return fetch.call(globalThis, input, init);
  };
  const streaming = WebAssembly.instantiateStreaming;
  if (streaming) {
    WebAssembly.instantiateStreaming = (source, imports) =>
      interacted.then(() => streaming.call(WebAssembly, source, imports));
  }
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = (source, imports) =>
    interacted.then(() => instantiate.call(WebAssembly, source, imports));
})();
