// SiLU-gated product for the SwiGLU FFN, in place: gate[i] = silu(gate[i])·up[i],
// silu(g) = g / (1 + e^(−g)).
//
// Dispatch: one invocation per element, id = (wid.y·nwg.x + wid.x)·WG + lid.
// Host: (*webgpu.Step).SiLUGate. CPU twin: float64 formula in the test.

struct Params {
    n: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> gate: array<f32>; // (n,)
@group(0) @binding(2) var<storage, read> up: array<f32>;         // (n,)

const WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * WG + lid;
    if (i >= p.n) {
        return;
    }
    let g = gate[i];
    gate[i] = g / (1.0 + exp(-g)) * up[i];
}
