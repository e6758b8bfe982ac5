// Fused attention with the GUIDE bias and the Influence column (SPEC.md §1, §2), flash style:
//   s[k]   = cap((q_t,h · k_k,g)·scale) + bias[k] for allowed keys k (g = h / (H / Hkv)),
//            cap(x) = softcap·tanh(x/softcap) when softcap > 0 (Gemma 2), else x: Δ goes last
//   A[t,h] = softmax(s)                           over allowed keys only
//   out[t,h,:]  = Σ_k A[t,h,k]·v_k,g
//   ai[c,t,h]   = Σ_k A[t,h,k]·infl[c,k]          (head-averaged afterwards by head_mean.wgsl)
// for each of the influence_cols ≤ MAX_COLS Influence columns c (Influence and Rollout of every
// highlight track share one pass over the keys).
// Allowed keys for query t at position qpos = pos0 + t: k ≤ qpos when causal, and
// k > qpos − window when window > 0; bias and infl are read only when their flags are set.
// Nothing T×T is stored: keys are visited in WG-wide chunks with an online softmax (running
// max m, normaliser l and Influence numerators li[c], rescaled by e^(m_old − m_new) per chunk).
//
// Dispatch: one workgroup per (t, h), id = wid.y·nwg.x + wid.x = t·H + h. Invocation j scores
// key chunk_start + j; output dims are owned round-robin (dim = lid + WG·i, i < DIMS_PER_INV),
// so head_dim ≤ MAX_HEAD_DIM = WG·DIMS_PER_INV.
// Host: (*webgpu.Step).Attention. CPU twin: naive float64 softmax attention in the test.

struct Params {
    tokens: u32,        // Tq, queries in this call
    keys: u32,          // Tk, keys in the cache (positions 0 … Tk−1)
    heads: u32,         // H, query heads
    kv_heads: u32,      // Hkv, divides H
    head_dim: u32,      // d
    pos0: u32,          // position of query 0
    window: u32,        // sliding window in keys, 0 = none
    causal: u32,        // 1: mask keys after the query
    use_bias: u32,      // 1: add bias[k]
    use_influence: u32, // 1: write ai
    scale: f32,         // usually 1/sqrt(d)
    influence_cols: u32, // C, Influence columns when use_influence (1 … MAX_COLS)
    softcap: f32,       // attention-logit soft cap, 0 = none
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;        // (Tq, H, d)
@group(0) @binding(2) var<storage, read> k: array<f32>;        // (Tk, Hkv, d)
@group(0) @binding(3) var<storage, read> v: array<f32>;        // (Tk, Hkv, d)
@group(0) @binding(4) var<storage, read> bias: array<f32>;     // (Tk,) GUIDE Δ per key
@group(0) @binding(5) var<storage, read> infl: array<f32>;     // (C, Tk) I(ℓ−1) per key
@group(0) @binding(6) var<storage, read_write> out: array<f32>; // (Tq, H, d)
@group(0) @binding(7) var<storage, read_write> ai: array<f32>;  // (C, Tq, H) per-head Ā·I

const WG: u32 = 64u;
const DIMS_PER_INV: u32 = 4u;
// WG·DIMS_PER_INV, the largest head_dim (array sizes must be a single constant here).
const MAX_HEAD_DIM: u32 = 256u;
// Finite stand-in for −∞: WGSL implementations may assume no infinities.
const NEG_BIG: f32 = -3.0e38;
// The most Influence columns one call carries.
const MAX_COLS: u32 = 4u;

var<workgroup> qs: array<f32, MAX_HEAD_DIM>;
var<workgroup> ps: array<f32, WG>;
var<workgroup> red: array<f32, WG>;
var<workgroup> red2: array<f32, 256>; // (MAX_COLS, WG)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let id = wid.y * nwg.x + wid.x;
    let live = id < p.tokens * p.heads;
    let t = id / p.heads;
    let h = id % p.heads;
    let g = h / (p.heads / p.kv_heads);
    let d = p.head_dim;
    let qpos = p.pos0 + t;

    var k_end = p.keys;
    if (p.causal != 0u) {
        k_end = min(k_end, qpos + 1u);
    }
    var k_begin = 0u;
    if (p.window > 0u && qpos + 1u > p.window) {
        k_begin = qpos + 1u - p.window;
    }
    if (!live) {
        k_end = 0u;
    }

    for (var i = lid; i < d; i += WG) {
        qs[i] = select(0.0, q[id * d + i], live);
    }
    workgroupBarrier();

    var m = NEG_BIG;
    var l = 0.0;
    var li: array<f32, MAX_COLS>;
    var cols = 0u;
    if (p.use_influence != 0u) {
        cols = min(p.influence_cols, MAX_COLS);
    }
    var acc: array<f32, DIMS_PER_INV>;
    for (var c = k_begin; c < k_end; c += WG) {
        let key = c + lid;
        let valid = key < k_end;
        var s = NEG_BIG;
        if (valid) {
            let kb = (key * p.kv_heads + g) * d;
            var dot = 0.0;
            for (var i = 0u; i < d; i++) {
                dot += qs[i] * k[kb + i];
            }
            s = dot * p.scale;
            if (p.softcap > 0.0) {
                s = p.softcap * tanh_f32(s / p.softcap); // parts/tanh.wgsl
            }
            if (p.use_bias != 0u) {
                s += bias[key];
            }
        }
        red[lid] = s;
        workgroupBarrier();
        for (var st = WG / 2u; st > 0u; st >>= 1u) {
            if (lid < st) {
                red[lid] = max(red[lid], red[lid + st]);
            }
            workgroupBarrier();
        }
        let m_new = max(m, red[0]);
        workgroupBarrier();
        var e = 0.0;
        if (valid) {
            e = exp(s - m_new);
        }
        ps[lid] = e;
        red[lid] = e;
        for (var ci = 0u; ci < cols; ci++) {
            var ei = 0.0;
            if (valid) {
                ei = e * infl[ci * p.keys + key];
            }
            red2[ci * WG + lid] = ei;
        }
        workgroupBarrier();
        for (var st = WG / 2u; st > 0u; st >>= 1u) {
            if (lid < st) {
                red[lid] += red[lid + st];
                for (var ci = 0u; ci < cols; ci++) {
                    red2[ci * WG + lid] += red2[ci * WG + lid + st];
                }
            }
            workgroupBarrier();
        }
        let alpha = exp(m - m_new);
        l = l * alpha + red[0];
        for (var ci = 0u; ci < cols; ci++) {
            li[ci] = li[ci] * alpha + red2[ci * WG];
        }
        m = m_new;
        let n = min(WG, k_end - c);
        for (var i = 0u; i < DIMS_PER_INV; i++) {
            let dim = lid + WG * i;
            if (dim < d) {
                var sum = 0.0;
                for (var j = 0u; j < n; j++) {
                    sum += ps[j] * v[((c + j) * p.kv_heads + g) * d + dim];
                }
                acc[i] = acc[i] * alpha + sum;
            }
        }
        workgroupBarrier();
    }

    if (!live) {
        return;
    }
    for (var i = 0u; i < DIMS_PER_INV; i++) {
        let dim = lid + WG * i;
        if (dim < d) {
            out[id * d + dim] = acc[i] / l;
        }
    }
    if (lid == 0u) {
        for (var ci = 0u; ci < cols; ci++) {
            ai[ci * p.tokens * p.heads + id] = li[ci] / l;
        }
    }
}
