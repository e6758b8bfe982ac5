// Top-K candidates on the GPU: the K largest values, largest first, ties by lower index (the
// order of sample.Sampler), so sampled decode reads back K pairs instead of the logits.
//
// One round reduces n entries to ceil(n / CHUNK)·k: workgroup w loads entries
// w·CHUNK … w·CHUNK+CHUNK−1 into workgroup memory (missing ones as index NONE, ranked last),
// sorts them with a bitonic network (log2(CHUNK)·(log2(CHUNK)+1)/2 stages of CHUNK/2
// compare-exchanges, WG invocations taking CHUNK/(2·WG) each) and writes its first k to
// ov[w·k …], oi[w·k …]. The host repeats rounds over the previous round's output until one
// workgroup remains: its k entries are the answer. The first round reads the logits row (xv
// from `offset`, indices are positions); later rounds read (value, index) pairs.
// Dispatch: ceil(n / CHUNK) workgroups, folded into y past the per-dimension limit.
// Host: (*webgpu.Step).TopK. CPU twin: (*cpu.Executor).TopK.

struct Params {
    n: u32,      // entries this round, ≥ 1
    k: u32,      // entries kept per workgroup, 1 … CHUNK
    offset: u32, // first round: float of xv holding entry 0
    first: u32,  // 1: xv is the logits row and xi is unused; 0: (xv, xi) are pairs
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> xv: array<f32>;       // (offset + n,) or (n,)
@group(0) @binding(2) var<storage, read> xi: array<u32>;       // (n,) indices, later rounds
@group(0) @binding(3) var<storage, read_write> ov: array<f32>; // (ceil(n / CHUNK)·k,)
@group(0) @binding(4) var<storage, read_write> oi: array<u32>; // (ceil(n / CHUNK)·k,)

const WG: u32 = 64u;
const CHUNK: u32 = 1024u; // a power of two, 2·WG·PAIRS
const PAIRS: u32 = 8u;    // compare-exchanges per invocation per stage
const NONE: u32 = 0xffffffffu;

var<workgroup> kv: array<f32, CHUNK>;
var<workgroup> ki: array<u32, CHUNK>;

// before reports whether entry a ranks before entry b: larger, or equal with a lower index;
// an entry with index NONE ranks last.
fn before(a: u32, b: u32) -> bool {
    let ia = ki[a];
    let ib = ki[b];
    return ia != NONE && (ib == NONE || kv[a] > kv[b] || (kv[a] == kv[b] && ia < ib));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let w = wid.y * nwg.x + wid.x;
    let base = w * CHUNK;
    for (var j = lid; j < CHUNK; j += WG) {
        let e = base + j;
        var v = 0.0;
        var i = NONE;
        if (e < p.n) {
            if (p.first == 1u) {
                v = xv[p.offset + e];
                i = e;
            } else {
                v = xv[e];
                i = xi[e];
            }
        }
        kv[j] = v;
        ki[j] = i;
    }
    workgroupBarrier();
    // Bitonic sort into ranking order: blocks of `size` alternate direction until the last
    // merge, whose single block (a & CHUNK == 0 for every a) runs in ranking order.
    for (var size = 2u; size <= CHUNK; size <<= 1u) {
        for (var stride = size >> 1u; stride > 0u; stride >>= 1u) {
            for (var t = 0u; t < PAIRS; t++) {
                let q = lid + t * WG;
                let a = 2u * stride * (q / stride) + q % stride;
                let b = a + stride;
                let ranked = (a & size) == 0u;
                if ((ranked && before(b, a)) || (!ranked && before(a, b))) {
                    let tv = kv[a];
                    let ti = ki[a];
                    kv[a] = kv[b];
                    ki[a] = ki[b];
                    kv[b] = tv;
                    ki[b] = ti;
                }
            }
            workgroupBarrier();
        }
    }
    if (base < p.n) {
        for (var j = lid; j < p.k; j += WG) {
            ov[w * p.k + j] = kv[j];
            oi[w * p.k + j] = ki[j];
        }
    }
}
