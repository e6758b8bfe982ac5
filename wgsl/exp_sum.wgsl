// Softmax normaliser on the GPU: partial sums of exp(x[i] − m) over the logits row, m the
// row's largest value (entry 0 of the top-K kernel's output), with an error bound, so the
// host can apply top-p without the row.
//
// Workgroup w sums entries w·CHUNK … w·CHUNK+CHUNK−1: each invocation adds its strided
// entries in sequence (at most CHUNK/WG), then pairs reduce in workgroup memory (log2(WG)
// levels). It writes out[2w] = Σ tᵢ and out[2w+1] = Σ (4 + 2|dᵢ|)·tᵢ with dᵢ = x[i] − m and
// tᵢ = exp(dᵢ): WGSL bounds exp's error by 3 + 2|d| ULP, and the host's own float32 term (a
// float64 exponential rounded once) adds one more, so 2⁻²²·out[2w+1] bounds the terms' error
// (2⁻²³ per ULP of a normal float, doubled because the ULP is that of the computed term).
// dᵢ is a float32 subtraction, correctly rounded as the host's. Terms that are 0 (x = −Inf)
// add nothing to the bound.
// Dispatch: ceil(n / CHUNK) workgroups, folded into y past the per-dimension limit.
// Host: (*webgpu.Step).ExpSum. CPU twin: the sum in (*cpu.Executor).TopK.

struct Params {
    n: u32,      // floats of the row
    offset: u32, // float of x holding entry 0
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;         // (offset + n,)
@group(0) @binding(2) var<storage, read> top: array<f32>;       // (≥ 1,) the row's largest value at 0
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // (2·ceil(n / CHUNK),)

const WG: u32 = 256u;
const CHUNK: u32 = 4096u; // WG · 16 entries per invocation

var<workgroup> sums: array<f32, WG>;
var<workgroup> errs: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let w = wid.y * nwg.x + wid.x;
    let m = top[0];
    let end = min(p.n, (w + 1u) * CHUNK);
    var s = 0.0;
    var e = 0.0;
    for (var i = w * CHUNK + lid; i < end; i += WG) {
        let d = x[p.offset + i] - m;
        let t = exp(d);
        if (t > 0.0) {
            s += t;
            e += (4.0 + 2.0 * abs(d)) * t;
        }
    }
    sums[lid] = s;
    errs[lid] = e;
    workgroupBarrier();
    for (var h = WG / 2u; h > 0u; h >>= 1u) {
        if (lid < h) {
            sums[lid] += sums[lid + h];
            errs[lid] += errs[lid + h];
        }
        workgroupBarrier();
    }
    if (lid == 0u && w * CHUNK < p.n) {
        out[2u * w] = sums[0];
        out[2u * w + 1u] = errs[0];
    }
}
