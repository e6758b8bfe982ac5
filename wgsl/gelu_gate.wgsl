// GELU-gated product for the GeGLU FFN (Gemma), in place: gate[i] = gelu(gate[i])·up[i] with
// GELU's tanh approximation gelu(g) = 0.5·g·(1 + tanh(√(2/π)·(g + 0.044715·g³))).
//
// Dispatch: one invocation per element, id = (wid.y·nwg.x + wid.x)·WG + lid.
// Host: (*webgpu.Step).GELUGate. CPU twin: cpu.GELU (float64).

struct Params {
    n: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> gate: array<f32>; // (n,)
@group(0) @binding(2) var<storage, read> up: array<f32>;         // (n,)

const WG: u32 = 64u;
const SQRT_2_OVER_PI: f32 = 0.7978845608028654;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * WG + lid;
    if (i >= p.n) {
        return;
    }
    let g = gate[i];
    gate[i] = 0.5 * g * (1.0 + tanh_f32(SQRT_2_OVER_PI * (g + 0.044715 * g * g * g))) * up[i];
}
