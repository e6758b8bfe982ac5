// Register-blocked matmul for prefill: Y[t,r] = Σ_k X[t,k]·W[r,k], W dequantised in-shader.
//
// Assembled after bytes.wgsl and one dequant_<type>.wgsl, which supply dequant8.
// Dispatch: (ceil(N / TILE_R), ceil(T / TILE_T)) workgroups of (WG_R, WG_T) invocations; each
// workgroup computes a TILE_T×TILE_R block of Y, stepping through K in TILE_K-wide slices staged
// in workgroup memory as vec4s: every weight group of the slice is dequantised once, by one
// invocation, and then read by all WG_T token columns; every activation by all WG_R row columns.
// Each invocation keeps a SUB×SUB register block (tokens ly + WG_T·a, rows lx + WG_R·b) and
// reads its operands as vec4 along k: 2·SUB vec4 loads per 4·SUB² multiply-adds.
// Workgroup memory: (XS_LEN + WS_LEN)·16 bytes = 15 KiB ≤ 16 KiB. A 32-token tile fits the
// 32-token prompts of docs/bench.md without padding; a 40-wide k slice is the widest that fits
// beside it (fewer slices, fewer barriers).
// Host: (*webgpu.Step).MatMul. CPU twin: ggml.Dequantize then float64 dot products.

struct Params {
    rows: u32,      // N, output features
    cols: u32,      // K, input features
    row_bytes: u32, // bytes of one stored row of W
    groups: u32,    // ceil(K / 8)
    tokens: u32,    // T
    out_offset: u32, // column of Y that row 0 of W writes (W may be a row range of a larger matrix)
    out_stride: u32, // row length of Y: the whole matrix's rows (N when W is whole)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<u32>;       // (N, row_bytes) raw GGUF bytes
@group(0) @binding(2) var<storage, read> x: array<f32>;       // (T, K)
@group(0) @binding(3) var<storage, read_write> y: array<f32>; // (T, out_stride)

const SUB: u32 = 4u;        // rows and tokens per invocation: one vec4 of rows per token
const WG_R: u32 = 16u;      // invocations along rows
const WG_T: u32 = 8u;       // invocations along tokens
const WG_SIZE: u32 = 128u;  // WG_R·WG_T
const TILE_R: u32 = 64u;    // WG_R·SUB rows of W per workgroup
const TILE_T: u32 = 32u;    // WG_T·SUB tokens per workgroup
const VEC4: u32 = 4u;
const K4: u32 = 10u;        // vec4s per staged row
const TILE_K: u32 = 40u;    // K4·VEC4 elements of k per slice
const GROUP: u32 = 8u;      // elements per dequant8 call
const KG: u32 = 5u;         // dequant8 groups per staged row: TILE_K / GROUP
// Array sizes must be a single constant here; the host test checks these products.
const XS_LEN: u32 = 320u;    // TILE_T·K4
const WS_LEN: u32 = 640u;    // TILE_R·K4
const WS_GROUPS: u32 = 320u; // TILE_R·KG

var<workgroup> xs: array<vec4<f32>, XS_LEN>; // (TILE_T tokens, TILE_K k)
var<workgroup> ws: array<vec4<f32>, WS_LEN>; // (TILE_R rows, TILE_K k)

// loadX4 reads X[t, k … k+3], zero past the matrix.
fn loadX4(t: u32, k: u32) -> vec4<f32> {
    if (t >= p.tokens || k >= p.cols) {
        return vec4<f32>(0.0);
    }
    let i = t * p.cols + k;
    if (k + 4u <= p.cols) {
        return vec4<f32>(x[i], x[i + 1u], x[i + 2u], x[i + 3u]);
    }
    var v = vec4<f32>(0.0);
    for (var j = 0u; j < p.cols - k; j++) {
        v[j] = x[i + j];
    }
    return v;
}

@compute @workgroup_size(WG_R, WG_T)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let tid = lid.y * WG_R + lid.x;
    let r0 = wid.x * TILE_R;
    let t0 = wid.y * TILE_T;
    var acc: array<vec4<f32>, SUB>; // acc[a][b]: token ly + WG_T·a, row lx + WG_R·b
    for (var k0 = 0u; k0 < p.cols; k0 += TILE_K) {
        for (var i = tid; i < XS_LEN; i += WG_SIZE) {
            xs[i] = loadX4(t0 + i / K4, k0 + (i % K4) * VEC4);
        }
        for (var i = tid; i < WS_GROUPS; i += WG_SIZE) {
            let rr = i / KG;
            let gg = i % KG;
            let r = r0 + rr;
            let g = k0 / GROUP + gg;
            var v: array<f32, 8>;
            if (r < p.rows && g < p.groups) {
                v = dequant8(r * p.row_bytes, g, p.cols);
            }
            ws[rr * K4 + 2u * gg] = vec4<f32>(v[0], v[1], v[2], v[3]);
            ws[rr * K4 + 2u * gg + 1u] = vec4<f32>(v[4], v[5], v[6], v[7]);
        }
        workgroupBarrier();
        for (var kq = 0u; kq < K4; kq++) {
            // Columns are the four rows' k-slices, so xv * wm = their four dot products with xv.
            let wm = mat4x4<f32>(ws[lid.x * K4 + kq],
                                 ws[(lid.x + WG_R) * K4 + kq],
                                 ws[(lid.x + 2u * WG_R) * K4 + kq],
                                 ws[(lid.x + 3u * WG_R) * K4 + kq]);
            acc[0] += xs[lid.y * K4 + kq] * wm;
            acc[1] += xs[(lid.y + WG_T) * K4 + kq] * wm;
            acc[2] += xs[(lid.y + 2u * WG_T) * K4 + kq] * wm;
            acc[3] += xs[(lid.y + 3u * WG_T) * K4 + kq] * wm;
        }
        workgroupBarrier();
    }
    for (var a = 0u; a < SUB; a++) {
        let t = t0 + lid.y + WG_T * a;
        for (var b = 0u; b < SUB; b++) {
            let r = r0 + lid.x + WG_R * b;
            if (t < p.tokens && r < p.rows) {
                y[t * p.out_stride + p.out_offset + r] = acc[a][b];
            }
        }
    }
}
