// Soft cap in place: x[i] = cap·tanh(x[i]/cap) (Gemma 2's output logits).
//
// Dispatch: one invocation per element, id = (wid.y·nwg.x + wid.x)·WG + lid.
// Host: (*webgpu.Step).SoftCap. CPU twin: (*cpu.Executor).SoftCap (float64).

struct Params {
    n: u32,
    cap: f32,
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
    x[i] = p.cap * tanh_f32(x[i] / p.cap);
}
