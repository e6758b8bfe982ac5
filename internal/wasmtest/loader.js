// Runs a Go test binary built for js/wasm in the page and records what it printed and how it
// ended in globalThis.wasmtest, which the Go side polls:
//   {output: string, done: bool, exitCode: number|null, error: string|null}
// The run's arguments and environment come from config.json (see wasmtest.go); the
// binary starts once globalThis.wasmtestReady (if a script of Options.Scripts set it) resolves.
"use strict";

(async () => {
	const state = { output: "", done: false, exitCode: null, error: null };
	globalThis.wasmtest = state;
	const decoder = new TextDecoder("utf-8");
	try {
		// wasm_exec.js routes os.Stdout and os.Stderr through fs.writeSync.
		globalThis.fs.writeSync = (fd, buf) => {
			state.output += decoder.decode(buf, { stream: true });
			return buf.length;
		};
		const config = await (await fetch("config.json")).json();
		// A script of Options.Scripts may make the binary wait for it.
		await globalThis.wasmtestReady;
		const go = new Go();
		go.argv = ["test.wasm", ...config.args];
		go.env = config.env;
		go.exit = (code) => { state.exitCode = code; };
		const result = await WebAssembly.instantiateStreaming(fetch("test.wasm"), go.importObject);
		// cogentcore/webgpu's js Queue.WriteBuffer reads the instance's memory from globalThis.wasm.
		globalThis.wasm = result;
		await go.run(result.instance);
		if (state.exitCode === null) {
			state.error = "the Go program returned without calling exit";
		}
	} catch (e) {
		state.error = String(e && e.stack ? e.stack : e);
	}
	state.done = true;
})();
