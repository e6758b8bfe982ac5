// Scaling in place: x[i] = x[i]·s (Gemma's embedding scale √dim).
//
// Dispatch: one invocation per element, id = (wid.y·nwg.x + wid.x)·WG + lid.
// Host: (*webgpu.Step).Scale. CPU twin: (*cpu.Executor).Scale.

struct Params {
    n: u32,
    s: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>; // (n,)

const WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * WG + lid;
    if (i >= p.n) {
        return;
    }
    x[i] = x[i] * p.s;
}
