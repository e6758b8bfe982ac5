// Rotary position embedding, in place: for token t at position pos0 + t, head h and pair i <
// rot_dims/2, rotate (x[a], x[b]) by θ = (pos0 + t)·inv_freq[i], where
// (a, b) = (2i, 2i+1) for the adjacent-pairs layout (neox = 0, llama) and
// (i, i + rot_dims/2) for the halves layout (neox = 1, GPT-NeoX/Qwen). Dims ≥ rot_dims are untouched.
// inv_freq comes from the host (base^(−2i/rot_dims) with any per-pair factors or scaling), so
// only the product pos·inv_freq[i] is rounded here. Cosine and sine are multiplied by attn_factor
// (Phi-3 LongRoPE's attention factor, 1 elsewhere); dims ≥ rot_dims keep their scale.
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
    attn_factor: f32, // multiplies cos and sin
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
    let sc = sincos(theta);
    let s = sc.x * p.attn_factor;
    let c = sc.y * p.attn_factor;
    let x0 = x[a];
    let x1 = x[b];
    x[a] = x0 * c - x1 * s;
    x[b] = x0 * s + x1 * c;
}

// sincos returns (sin θ, cos θ) to within a few f32 ulps for |θ| up to about
// 1e4. WGSL lets the built-in sin and cos err by 2⁻¹¹, and SwiftShader does
// (1.9e-4 seen at small θ), which moves logits by 3e-3 over a few layers.
// Cody–Waite reduction by π/2 split in three parts, then Taylor polynomials on
// [−π/4, π/4] (truncation below 3e-9).
fn sincos(theta: f32) -> vec2<f32> {
    let k = round(theta * 0.63661977236758134);
    var r = theta - k * 1.5703125;
    r = r - k * 4.837512969970703125e-4;
    r = r - k * 7.54978995489188216e-8;
    let r2 = r * r;
    let sn = r * (1.0 + r2 * (-1.0 / 6.0 + r2 * (1.0 / 120.0 + r2 * (-1.0 / 5040.0 + r2 * (1.0 / 362880.0)))));
    let cs = 1.0 + r2 * (-0.5 + r2 * (1.0 / 24.0 + r2 * (-1.0 / 720.0 + r2 * (1.0 / 40320.0 + r2 * (-1.0 / 3628800.0)))));
    let q = ((i32(k) % 4) + 4) % 4;
    if (q == 0) { return vec2<f32>(sn, cs); }
    if (q == 1) { return vec2<f32>(cs, -sn); }
    if (q == 2) { return vec2<f32>(-sn, -cs); }
    return vec2<f32>(-cs, sn);
}
