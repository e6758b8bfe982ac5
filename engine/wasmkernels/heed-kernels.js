// heed's WebAssembly SIMD kernels for the CPU executor in the browser.
//
// Load this script (a <script> in a page, importScripts in a worker), await
// heedKernels.init() before starting the Go program, and let the Go program
// find Go's memory (heedKernels.goMemory = instance.exports.mem after
// instantiating it, or globalThis.wasm = {instance} as this project's
// loaders already set for the WebGPU binding). engine/cpu then runs its
// products, attention and gates here; without this script, or where init
// failed (no WebAssembly SIMD), it keeps its own Go kernels.
//
// Threads: where the page (or worker) is cross-origin isolated (COOP and
// COEP headers, so SharedArrayBuffer exists), init({threads: N}) starts N−1
// workers (heed-kernels-worker.js) sharing one WebAssembly.Memory; the
// weights are copied into it once and every matrix product is split by rows
// across the calling thread and the workers. Elsewhere one thread runs the
// kernels directly on the Go program's memory, without copies.
"use strict";

(() => {
	const K = {
		ready: false, // init finished: the Go side may attach
		threads: 1, // threads of the matrix products (the caller included)
		error: "", // why init failed, if it did
		threadsError: "", // why the kernels run on one thread though more were asked for, if they could not start
		goMemory: null, // the Go program's WebAssembly.Memory (else globalThis.wasm.instance.exports.mem)
	};
	globalThis.heedKernels = K;

	const scriptURL = typeof document !== "undefined" && document.currentScript ? document.currentScript.src : "";
	let module1 = null; // kernels.wasm: memory imported, not shared
	let moduleMT = null; // kernels-mt.wasm: shared memory
	let shared = null; // {memory, instance, ctl, workers, alloc}

	// The shared memory's first page (the kernels keep nothing in their
	// memory, so it is free) coordinates the threads; heed-kernels-worker.js
	// describes the protocol. Int32 words:
	const WAKE = 0, DONE = 1, SLOTS = [32, 64]; // argument slots (13 words), by job parity
	const CLAIM = 8; // BigInt64 word 8 (byte 64): job number << 32 | next chunk
	const CTL_BYTES = 4096;
	// Rows per tile of the batched products (kernels.c's TILE_ROWS).
	const TILE_ROWS = 4;

	// init compiles the kernels and, when threads > 1 and the context is
	// cross-origin isolated, starts the workers. base is the URL of the
	// directory holding the .wasm files and the worker script (default: this
	// script's directory; required inside a worker). Resolves to heedKernels;
	// on failure K.error says why and K.ready stays false.
	//
	// threads defaults to one fewer than the CPUs (the browser's own threads
	// and the page need one), at most 4: on the 2-core bench machine, shared
	// with other work, two threads prefilled about half as fast as one (a
	// worker the system does not schedule holds up a product until it runs)
	// and decoded about as fast (docs/bench.md). Where the workers cannot
	// start (a blocked worker script, memory), the kernels run on one thread
	// and K.threadsError says why.
	//
	// urls, optional, names each file by its own URL ({"kernels.wasm": url,
	// "kernels-mt.wasm": url, "heed-kernels-worker.js": url}), for a server
	// that content-addresses them (the app's ?v= URLs, which its service
	// worker keeps for offline starts); a file it leaves out is looked up in
	// base.
	//
	// A second call returns the first's promise (its options win).
	let started = null;
	K.init = (options) => (started = started || start(options));

	async function start({ threads = Math.min(4, Math.max(1, (navigator.hardwareConcurrency || 1) - 1)), base, urls = {} } = {}) {
		try {
			base = new URL(base || ".", scriptURL || globalThis.location.href);
			const url = (name) => new URL(urls[name] || name, base);
			const bytes = await (await fetchOK(url("kernels.wasm"))).arrayBuffer();
			if (!WebAssembly.validate(bytes)) throw new Error("this browser lacks WebAssembly SIMD");
			module1 = await WebAssembly.compile(bytes);
			threads = Math.max(1, Math.min(threads | 0, 16));
			if (threads > 1 && globalThis.crossOriginIsolated) {
				try {
					moduleMT = await WebAssembly.compileStreaming(fetchOK(url("kernels-mt.wasm")));
					shared = await startWorkers(threads, url("heed-kernels-worker.js"));
				} catch (e) {
					shared = null;
					K.threadsError = String(e && e.message ? e.message : e);
				}
			}
			K.threads = shared ? threads : 1;
			K.ready = true;
		} catch (e) {
			K.error = String(e && e.message ? e.message : e);
		}
		return K;
	}

	async function fetchOK(url) {
		const r = await fetch(url);
		if (!r.ok) throw new Error(`${url}: ${r.status} ${r.statusText}`);
		return r;
	}

	// sharedMemory reserves the shared memory, 4 GiB (the wasm32 limit) where
	// the browser lets it reserve that much address space, else less.
	function sharedMemory() {
		for (let pages = 65536; ; pages /= 2) {
			try {
				return new WebAssembly.Memory({ initial: 1, maximum: pages, shared: true });
			} catch (e) {
				if (pages <= 4096) throw e;
			}
		}
	}

	async function startWorkers(threads, workerURL) {
		const memory = sharedMemory();
		// Synchronous, as in attach: pages wrap WebAssembly.instantiate to catch
		// the Go program's instance (web/wasm-global.js), and must not catch these.
		const instance = new WebAssembly.Instance(moduleMT, { env: { memory } });
		const workers = [];
		const started = [];
		try {
			for (let i = 1; i < threads; i++) {
				const w = new Worker(workerURL);
				workers.push(w);
				started.push(new Promise((resolve, reject) => {
					w.onmessage = (e) => (e.data === "ready" ? resolve() : reject(new Error(String(e.data))));
					w.onerror = (e) => reject(new Error(`worker: ${e.message || "failed to start"}`));
				}));
				w.postMessage({ module: moduleMT, memory, index: i, threads });
			}
			await Promise.all(started);
		} catch (e) {
			for (const w of workers) w.terminate();
			throw e;
		}
		return {
			memory, instance, workers, alloc: new Allocator(memory), job: 0,
			ctl: new Int32Array(memory.buffer, 0, CTL_BYTES / 4), claim: new BigInt64Array(memory.buffer, 0, CTL_BYTES / 8),
		};
	}

	// Allocator hands out 64-byte aligned ranges of the shared memory above
	// the control page, growing it as needed, first fit over freed ranges.
	class Allocator {
		constructor(memory) {
			this.memory = memory;
			this.free = []; // [offset, size], sorted by offset
			this.top = CTL_BYTES;
		}
		alloc(size) {
			size = (size + 63) & ~63;
			for (let i = 0; i < this.free.length; i++) {
				const [off, n] = this.free[i];
				if (n >= size) {
					if (n === size) this.free.splice(i, 1);
					else this.free[i] = [off + size, n - size];
					return off;
				}
			}
			const off = this.top;
			const end = off + size;
			if (end > 4294967296) throw new RangeError("heedKernels: the shared memory's 4 GiB are used up");
			// grow throws past the memory's maximum (sharedMemory may have reserved less).
			const have = this.memory.buffer.byteLength;
			if (end > have) this.memory.grow(Math.ceil((end - have) / 65536));
			this.top = end;
			return off;
		}
		release(off, size) {
			size = (size + 63) & ~63;
			this.free.push([off, size]);
			this.free.sort((a, b) => a[0] - b[0]);
			const merged = [];
			for (const r of this.free) {
				const last = merged[merged.length - 1];
				if (last && last[0] + last[1] === r[0]) last[1] += r[1];
				else merged.push(r);
			}
			if (merged.length && merged[merged.length - 1][0] + merged[merged.length - 1][1] === this.top) {
				this.top = merged.pop()[0];
			}
			this.free = merged;
		}
	}

	function goMemory() {
		const m = K.goMemory || (globalThis.wasm && globalThis.wasm.instance && globalThis.wasm.instance.exports.mem);
		if (!(m instanceof WebAssembly.Memory)) {
			throw new Error("heedKernels: set heedKernels.goMemory to the Go instance's exports.mem");
		}
		return m;
	}

	// attach is called by the Go program (engine/cpu) for each executor: it
	// instantiates the one-thread kernels over Go's memory and returns a
	// session. Go calls the instance's exports directly with pointers into
	// its own memory; the session's methods run the threaded products.
	K.attach = () => {
		if (!K.ready) throw new Error("heedKernels: init has not finished" + (K.error ? ": " + K.error : ""));
		const mem = goMemory();
		const local = new WebAssembly.Instance(module1, { env: { memory: mem } });
		return new Session(local.exports, mem);
	};

	// Session: one executor's kernels. Weights uploaded for the threaded
	// products are freed by release or close.
	class Session {
		constructor(exports, mem) {
			this.exports = exports; // kernels over Go's memory
			this.threads = K.threads;
			this.mem = mem;
			this.weights = []; // handle → {type, rows, cols, w, plane, bytes}
			this.scratch = null; // {off, size} for x, permuted x, sums and y
		}

		// upload copies a matrix (nbytes at ptr in Go's memory) into the shared
		// memory and returns its handle, for matmul. -1 where there are no threads.
		upload(type, ptr, nbytes, rows, cols) {
			if (!shared) return -1;
			const ex = shared.instance.exports;
			const nb = ex.has_plane(type) ? rows * (cols / 32) : 0;
			const size = nbytes + 4 * nb + 64;
			const off = shared.alloc.alloc(size);
			new Uint8Array(shared.memory.buffer, off, nbytes).set(new Uint8Array(this.mem.buffer, ptr, nbytes));
			const plane = (off + nbytes + 63) & ~63;
			if (nb > 0 && ex.scales(type, off, nb, plane) !== 0) {
				shared.alloc.release(off, size);
				throw new Error(`heedKernels: no scale plane for type ${type}`);
			}
			this.weights.push({ type, rows, cols, w: off, plane, size });
			return this.weights.length - 1;
		}

		release(h) {
			const w = this.weights[h];
			if (w) {
				shared.alloc.release(w.w, w.size);
				this.weights[h] = null;
			}
		}

		close() {
			for (let h = 0; h < this.weights.length; h++) this.release(h);
			if (this.scratch) shared.alloc.release(this.scratch.off, this.scratch.size);
			this.weights = [];
			this.scratch = null;
		}

		// scratchFor returns shared-memory offsets for one product's x (n×cols),
		// permuted x, group sums, y (n×rows), and each thread's tile
		// (TILE_ROWS×cols floats, thread i's at tiles + i·tileBytes).
		scratchFor(n, rows, cols) {
			const xb = (4 * n * cols + 63) & ~63, sb = (4 * n * (cols / 16) + 63) & ~63, yb = (4 * n * rows + 63) & ~63;
			const tileBytes = (4 * TILE_ROWS * cols + 63) & ~63;
			const size = 2 * xb + sb + yb + this.threads * tileBytes;
			if (!this.scratch || this.scratch.size < size) {
				if (this.scratch) shared.alloc.release(this.scratch.off, this.scratch.size);
				this.scratch = { off: shared.alloc.alloc(size), size };
			}
			const x = this.scratch.off;
			return { x, xp: x + xb, xsum: x + 2 * xb, y: x + 2 * xb + sb, tiles: x + 2 * xb + sb + yb, tileBytes };
		}

		// matmul sets y (n, rows) at yptr in Go's memory to x (n, cols) at xptr
		// times the uploaded matrix h, split by rows across the threads.
		matmul(h, xptr, n, yptr) {
			const w = this.weights[h];
			const { rows, cols, type } = w;
			const s = this.scratchFor(n, rows, cols);
			const buf = shared.memory.buffer;
			new Float32Array(buf, s.x, n * cols).set(new Float32Array(this.mem.buffer, xptr, n * cols));
			const ex = shared.instance.exports;
			let x = s.x;
			if (type !== 0) {
				ex.prep_x(s.x, n, cols, s.xp, s.xsum);
				x = s.xp;
			}
			if (rows * cols * n < MIN_SHARED_WORK) {
				ex.matmul(type, w.w, w.plane, x, s.xsum, s.y, rows, cols, n, 0, rows, s.tiles);
			} else {
				run(ex, [type, w.w, w.plane, x, s.xsum, s.y, rows, cols, n, s.tiles, s.tileBytes], rows, this.threads);
			}
			new Float32Array(this.mem.buffer, yptr, n * rows).set(new Float32Array(buf, s.y, n * rows));
		}

		// dequant writes row r of the uploaded matrix h as f32 at outptr in Go's memory.
		dequant(h, r, outptr) {
			const w = this.weights[h];
			const s = this.scratchFor(1, 1, w.cols);
			shared.instance.exports.dequant(w.type, w.w, w.plane, w.cols, r, s.x);
			new Float32Array(this.mem.buffer, outptr, w.cols).set(new Float32Array(shared.memory.buffer, s.x, w.cols));
		}
	}

	// Products smaller than this many multiply-adds stay on the calling thread:
	// waking the workers costs more. (Decode's smallest, SmolLM2-135M's K and
	// V projections, are 110 592.)
	const MIN_SHARED_WORK = 32768;

	// run posts one product to the workers and takes part in it. Rows go in
	// chunks, a few per thread, each claimed by whichever thread gets to it
	// first, so the caller never waits for a worker the system has not
	// scheduled: it claims the chunks itself. It waits only for chunks a
	// worker has claimed, until all are done.
	function run(ex, args, rows, threads) {
		const { ctl, claim } = shared;
		const job = ++shared.job;
		const chunkRows = Math.max(16, Math.ceil(rows / (4 * threads)));
		const chunks = Math.ceil(rows / chunkRows);
		const slot = SLOTS[job & 1];
		// The slot's job number first goes invalid, then the arguments, then
		// the number: a reader that saw the same number before and after
		// reading the arguments read them whole (a seqlock).
		Atomics.store(ctl, slot, -1);
		for (let i = 0; i < args.length; i++) Atomics.store(ctl, slot + 1 + i, args[i]);
		Atomics.store(ctl, slot + 1 + args.length, chunkRows);
		Atomics.store(ctl, slot + 2 + args.length, chunks);
		Atomics.store(ctl, slot, job);
		Atomics.store(ctl, DONE, 0);
		Atomics.store(claim, CLAIM, BigInt(job) << 32n);
		Atomics.add(ctl, WAKE, 1);
		Atomics.notify(ctl, WAKE);
		for (;;) {
			const c = Atomics.add(claim, CLAIM, 1n);
			const i = Number(c & 0xffffffffn);
			if (i >= chunks) break;
			const r0 = i * chunkRows;
			// The caller is thread 0: the first tile.
			ex.matmul(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], r0, Math.min(rows, r0 + chunkRows), args[9]);
			Atomics.add(ctl, DONE, 1);
		}
		// The workers' claimed chunks finish about when the caller's do, so it
		// spins; a worker thread (where Atomics.wait is allowed) sleeps if
		// that takes long.
		for (let spins = 0; ; spins++) {
			const done = Atomics.load(ctl, DONE);
			if (done === chunks) return;
			if (canWait && spins > 100000) Atomics.wait(ctl, DONE, done, 1);
		}
	}
	const canWait = typeof WorkerGlobalScope !== "undefined";
})();
