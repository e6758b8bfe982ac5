// RMSNorm with gain: y[r, :] = x[r, :] / sqrt(mean(x[r, :]²) + eps) · gain.
//
// Dispatch: one workgroup per row, row = wid.y·nwg.x + wid.x; invocations stride over the row
// and reduce the sum of squares in workgroup memory.
// Host: (*webgpu.Step).RMSNorm. CPU twin: float64 RMSNorm in the test.

struct Params {
    rows: u32, // T
    cols: u32, // D
    eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;       // (T, D)
@group(0) @binding(2) var<storage, read> gain: array<f32>;    // (D,)
@group(0) @binding(3) var<storage, read_write> y: array<f32>; // (T, D)

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
            let v = x[r * p.cols + c];
            acc += v * v;
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
    if (r >= p.rows) {
        return;
    }
    let inv = inverseSqrt(partial[0] / f32(p.cols) + p.eps);
    for (var c = tid; c < p.cols; c += WG) {
        y[r * p.cols + c] = x[r * p.cols + c] * inv * gain[c];
    }
}
