// One layer of the Influence recursion (SPEC.md §2), for the tokens at positions k = pos0 + i:
//   I(ℓ)_k = (‖x_k‖₁·I(ℓ−1)_k + ‖o_k‖₁·Ĩ_k) / (‖x_k‖₁ + ‖o_k‖₁)
// where the norms of this call's tokens are indexed by i, the per-position vectors by k.
// with Ĩ = Ā·I(ℓ−1) from attention.wgsl + head_mean.wgsl and the norms from l1norm.wgsl.
// rollout = 1 gives Attention Rollout's fixed ½/½ weights instead of the norms. A token whose
// two norms are both 0 keeps I(ℓ−1)_k.
//
// Dispatch: one invocation per token i, id = (wid.y·nwg.x + wid.x)·WG + lid.
// Host: (*webgpu.Step).InfluenceUpdate. CPU twin: float64 formula in the test.

struct Params {
    tokens: u32,  // T, tokens in this call
    pos0: u32,    // position of token 0
    rollout: u32, // 1: weights ½/½
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> prev: array<f32>;       // (pos0+T,) I(ℓ−1)
@group(0) @binding(2) var<storage, read> mixed: array<f32>;      // (pos0+T,) Ĩ = Ā·I(ℓ−1)
@group(0) @binding(3) var<storage, read> x_norm: array<f32>;     // (T,) ‖x_k(ℓ)‖₁
@group(0) @binding(4) var<storage, read> o_norm: array<f32>;     // (T,) ‖o_k(ℓ)‖₁
@group(0) @binding(5) var<storage, read_write> next: array<f32>; // (pos0+T,) I(ℓ)

const WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.y * nwg.x + wid.x) * WG + lid;
    if (i >= p.tokens) {
        return;
    }
    let k = p.pos0 + i;
    var wx = x_norm[i];
    var wo = o_norm[i];
    if (p.rollout != 0u) {
        wx = 0.5;
        wo = 0.5;
    }
    let total = wx + wo;
    if (total > 0.0) {
        next[k] = (wx * prev[k] + wo * mixed[k]) / total;
    } else {
        next[k] = prev[k];
    }
}
