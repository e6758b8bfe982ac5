// Bias add, in place, broadcast over rows: dst[r, c] += bias[c] (the q/k/v biases of Qwen2).
//
// Dispatch: one invocation per element, id = (wid.y·nwg.x + wid.x)·WG + lid.
// Host: (*webgpu.Step).AddBias. CPU twin: float32 addition in the test.

struct Params {
    rows: u32, // n
    cols: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>; // (n, cols)
@group(0) @binding(2) var<storage, read> bias: array<f32>;      // (cols,)

const WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * WG + lid;
    if (i >= p.rows * p.cols) {
        return;
    }
    dst[i] += bias[i % p.cols];
}
