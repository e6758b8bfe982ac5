// Rotary position embedding, in place: for token t at position pos0 + t, head h and pair i <
// rot_dims/2, rotate (x[a], x[b]) by θ = (pos0 + t)·inv_freq[i], where
// (a, b) = (2i, 2i+1) for the adjacent-pairs layout (neox = 0, llama) and
// (i, i + rot_dims/2) for the halves layout (neox = 1, GPT-NeoX/Qwen). Dims ≥ rot_dims are untouched.
// inv_freq comes from the host (base^(−2i/rot_dims) with any per-pair factors or scaling), so
// only the product pos·inv_freq[i] is rounded here.
//
// Dispatch: one invocation per (token, head, pair), id = (wid.y·nwg.x + wid.x)·WG + lid.
// Host: (*webgpu.Step).RoPE. CPU twin: float64 rotation in the test.

struct Params {
    tokens: u32,   // T
    heads: u32,    // H
    head_dim: u32, // d
    rot_dims: u32, // even, ≤ d
    pos0: u32,     // position of token 0
    neox: u32,     // 0: adjacent pairs, 1: halves
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;   // (T, H, d)
@group(0) @binding(2) var<storage, read> inv_freq: array<f32>; // (rot_dims/2,)

const WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let half = p.rot_dims / 2u;
    let id = (wid.y * nwg.x + wid.x) * WG + lid;
    if (id >= p.tokens * p.heads * half) {
        return;
    }
    let i = id % half;
    let th = id / half; // t·H + h
    let t = th / p.heads;
    let base = th * p.head_dim;
    var a = base + 2u * i;
    var b = a + 1u;
    if (p.neox != 0u) {
        a = base + i;
        b = a + half;
    }
    let theta = f32(p.pos0 + t) * inv_freq[i];
    let c = cos(theta);
    let s = sin(theta);
    let x0 = x[a];
    let x1 = x[b];
    x[a] = x0 * c - x1 * s;
    x[b] = x0 * s + x1 * c;
}
