// Row L1 norms for Influence (SPEC.md §2): out[r] = Σ_c |x[r, c]|, e.g. ‖x_k(ℓ)‖₁ of the normed
// attention input and ‖o_k(ℓ)‖₁ of the attention output, one row per token.
//
// Dispatch: one workgroup per row, row = wid.y·nwg.x + wid.x; invocations stride over the row
// and reduce in workgroup memory.
// Host: (*webgpu.Step).L1Norm. CPU twin: float64 sum of magnitudes in the test.

struct Params {
    rows: u32, // T
    cols: u32, // D
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;         // (T, D)
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // (T,)

const WG: u32 = 64u;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
    let r = wid.y * nwg.x + wid.x;
    var acc = 0.0;
    if (r < p.rows) {
        for (var c = tid; c < p.cols; c += WG) {
            acc += abs(x[r * p.cols + c]);
        }
    }
    partial[tid] = acc;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if (tid < s) {
            partial[tid] += partial[tid + s];
        }
        workgroupBarrier();
    }
    if (tid == 0u && r < p.rows) {
        out[r] = partial[0];
    }
}
