// One worker thread of heed's kernels (started by heed-kernels.js): it
// instantiates kernels-mt.wasm over the shared memory it is sent and takes
// chunks of rows of each matrix product the calling thread posts.
//
// The protocol, in the memory's first page (heed-kernels.js, run):
//   CLAIM (BigInt64 at byte 64): job number << 32 | next chunk. Every thread,
//     the caller included, claims chunk after chunk with one atomic add; the
//     number in the result says which job the claim belongs to, so a worker
//     that wakes late never mistakes an old job's claim for a new one's.
//   SLOTS: the arguments of job j (13 words) at Int32 word 32 or 64 (j's parity),
//     behind j itself (a seqlock). A slot is rewritten only for job j + 2,
//     which cannot start before every chunk of j is done: a claim that falls
//     inside its job's chunks reads the job's arguments whole.
//   DONE: chunks done of the current job; the caller returns when all are.
//   WAKE: bumped per job; idle workers sleep on it (Atomics.wait).
// Between jobs a worker spins briefly, since the next product of a forward
// pass usually comes within microseconds, then sleeps.
"use strict";

const WAKE = 0, DONE = 1, SLOTS = [32, 64], CLAIM = 8;
const SPINS = 5000;

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
	const claim = new BigInt64Array(memory.buffer, 0, 512);
	const args = new Int32Array(13);
	for (let seen = Atomics.load(ctl, WAKE); ; ) {
		let wake = Atomics.load(ctl, WAKE);
		for (let i = 0; i < SPINS && wake === seen; i++) wake = Atomics.load(ctl, WAKE);
		if (wake === seen) {
			Atomics.wait(ctl, WAKE, seen);
			continue;
		}
		seen = wake;
		for (;;) {
			const c = Atomics.add(claim, CLAIM, 1n);
			const job = Number(c >> 32n) | 0, i = Number(c & 0xffffffffn);
			const slot = SLOTS[job & 1];
			if (Atomics.load(ctl, slot) !== job) break; // an old job's claim
			for (let k = 0; k < 13; k++) args[k] = Atomics.load(ctl, slot + 1 + k);
			if (Atomics.load(ctl, slot) !== job) break;
			const [type, w, plane, x, xsum, y, rows, cols, n, tiles, tileBytes, chunkRows, chunks] = args;
			if (i >= chunks) break; // every chunk is taken
			const r0 = i * chunkRows;
			// Worker i uses the i-th tile (the caller the 0th).
			ex.matmul(type, w, plane, x, xsum, y, rows, cols, n, r0, Math.min(rows, r0 + chunkRows), tiles + index * tileBytes);
			Atomics.add(ctl, DONE, 1);
		}
	}
};
