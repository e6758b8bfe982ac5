// Head average of the Influence column: out[t] = Σ_h ai[t, h] / H  (SPEC.md §2: Ā·I).
//
// Dispatch: one invocation per token, id = (wid.y·nwg.x + wid.x)·WG + lid.
// Host: (*webgpu.Step).Attention, after attention.wgsl. CPU twin: float64 mean in the test.

struct Params {
    tokens: u32, // T
    heads: u32,  // H
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ai: array<f32>;        // (T, H)
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // (T,)

const WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let t = (wid.y * nwg.x + wid.x) * WG + lid;
    if (t >= p.tokens) {
        return;
    }
    var s = 0.0;
    for (var h = 0u; h < p.heads; h++) {
        s += ai[t * p.heads + h];
    }
    out[t] = s / f32(p.heads);
}
