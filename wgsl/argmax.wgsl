// Greedy token choice on the GPU: the index of the largest value, lowest index on ties, so
// decode reads back 4 bytes instead of the logits.
//
// One round reduces n entries to ceil(n / CHUNK): workgroup w scans entries
// w·CHUNK … w·CHUNK+CHUNK−1 (its invocations stride over them keeping (max, index), then
// reduce pairs in workgroup memory) and writes its winner to ov[w], oi[w]. The host repeats
// rounds over the previous round's output until one workgroup remains; oi[0] is the answer.
// The first round reads the logits row (xv from `offset`, indices are positions); later rounds
// read (value, index) pairs.
// Dispatch: ceil(n / CHUNK) workgroups, folded into y past the per-dimension limit.
// Host: (*webgpu.Step).Argmax. CPU twin: (*cpu.Executor).Argmax.

struct Params {
    n: u32,      // entries this round, ≥ 1
    offset: u32, // first round: float of xv holding entry 0
    first: u32,  // 1: xv is the logits row and xi is unused; 0: (xv, xi) are pairs
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> xv: array<f32>;       // (offset + n,) or (n,)
@group(0) @binding(2) var<storage, read> xi: array<u32>;       // (n,) indices, later rounds
@group(0) @binding(3) var<storage, read_write> ov: array<f32>; // (ceil(n / CHUNK),)
@group(0) @binding(4) var<storage, read_write> oi: array<u32>; // (ceil(n / CHUNK),)

const WG: u32 = 256u;
const CHUNK: u32 = 4096u; // WG · 16 entries per invocation
const NONE: u32 = 0xffffffffu;

var<workgroup> best: array<f32, WG>;
var<workgroup> where_: array<u32, WG>;

// wins reports whether (v, i) ranks before (bv, bi): larger, or equal with a lower index; an
// entry with index NONE ranks last.
fn wins(v: f32, i: u32, bv: f32, bi: u32) -> bool {
    return i != NONE && (bi == NONE || v > bv || (v == bv && i < bi));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let w = wid.y * nwg.x + wid.x;
    let end = min(p.n, (w + 1u) * CHUNK);
    var b = 0.0;
    var bi = NONE;
    for (var e = w * CHUNK + lid; e < end; e += WG) {
        var v: f32;
        var i: u32;
        if (p.first == 1u) {
            v = xv[p.offset + e];
            i = e;
        } else {
            v = xv[e];
            i = xi[e];
        }
        if (wins(v, i, b, bi)) {
            b = v;
            bi = i;
        }
    }
    best[lid] = b;
    where_[lid] = bi;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if (lid < s && wins(best[lid + s], where_[lid + s], best[lid], where_[lid])) {
            best[lid] = best[lid + s];
            where_[lid] = where_[lid + s];
        }
        workgroupBarrier();
    }
    if (lid == 0u && w * CHUNK < p.n) {
        ov[w] = best[0];
        oi[w] = where_[0];
    }
}
