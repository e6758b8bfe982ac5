// One worker thread of heed's kernels (started by heed-kernels.js): it
// instantiates kernels-mt.wasm over the shared memory it is sent and runs
// its share of each matrix product the calling thread posts.
//
// Control words (Int32Array over the memory's first page): GEN counts posted
// jobs, LEFT the workers still running the current one, OP the job (1:
// matmul), then its arguments. The caller writes the arguments, sets LEFT,
// bumps GEN and notifies; a worker runs rows [i·rows/T, (i+1)·rows/T) and
// decrements LEFT. Between jobs a worker spins briefly (the next product of
// a forward pass usually comes within microseconds) before sleeping on GEN.
"use strict";

const GEN = 0, LEFT = 1, STOP = 2, OP = 3, ARGS = 4;
const SPINS = 20000;

onmessage = async (e) => {
	const { module, memory, index } = e.data;
	let ex;
	try {
		ex = (await WebAssembly.instantiate(module, { env: { memory } })).exports;
	} catch (err) {
		postMessage(String(err));
		return;
	}
	postMessage("ready");
	const ctl = new Int32Array(memory.buffer, 0, 1024);
	let seen = Atomics.load(ctl, GEN);
	for (;;) {
		let gen = seen;
		for (let i = 0; i < SPINS && gen === seen; i++) gen = Atomics.load(ctl, GEN);
		if (gen === seen) {
			Atomics.wait(ctl, GEN, seen);
			continue;
		}
		seen = gen;
		if (Atomics.load(ctl, STOP)) return;
		if (ctl[OP] === 1) {
			const [type, w, plane, x, xsum, y, rows, cols, n, T] = ctl.subarray(ARGS, ARGS + 10);
			ex.matmul(type, w, plane, x, xsum, y, rows, cols, n, Math.floor((index * rows) / T), Math.floor(((index + 1) * rows) / T));
		}
		Atomics.sub(ctl, LEFT, 1);
	}
};
