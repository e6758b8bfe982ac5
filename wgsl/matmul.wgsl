// Tiled matmul for prefill: Y[t,r] = Σ_k X[t,k]·W[r,k], W dequantised in-shader.
//
// Assembled after bytes.wgsl and one dequant_<type>.wgsl, which supply dequant8.
// Dispatch: (ceil(N / TILE), ceil(T / TILE)) workgroups of (WG_X, WG_X) invocations; each
// workgroup computes a TILE×TILE block of Y, each invocation a (TILE/WG_X)² sub-block, stepping
// through K in TILE-wide slices staged in workgroup memory (2·TILE² floats = 8 KiB ≤ 16 KiB).
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

const TILE: u32 = 32u;
const WG_X: u32 = 16u;
const SUB: u32 = 2u;       // TILE / WG_X
// Array sizes must be a single constant here; the host test checks these products.
const TILE_AREA: u32 = 1024u; // TILE·TILE
const SUB_AREA: u32 = 4u;     // SUB·SUB

var<workgroup> xs: array<f32, TILE_AREA>; // (TILE tokens, TILE k)
var<workgroup> ws: array<f32, TILE_AREA>; // (TILE rows, TILE k)

@compute @workgroup_size(WG_X, WG_X)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let tid = lid.y * WG_X + lid.x;
    let r0 = wid.x * TILE;
    let t0 = wid.y * TILE;
    var acc: array<f32, SUB_AREA>;
    for (var k0 = 0u; k0 < p.cols; k0 += TILE) {
        for (var i = tid; i < TILE_AREA; i += WG_X * WG_X) {
            let t = t0 + i / TILE;
            let k = k0 + i % TILE;
            var v = 0.0;
            if (t < p.tokens && k < p.cols) {
                v = x[t * p.cols + k];
            }
            xs[i] = v;
        }
        for (var i = tid; i < TILE_AREA / 8u; i += WG_X * WG_X) {
            let rr = i / (TILE / 8u);
            let gg = i % (TILE / 8u);
            let r = r0 + rr;
            let g = k0 / 8u + gg;
            var v: array<f32, 8>;
            if (r < p.rows && g < p.groups) {
                v = dequant8(r * p.row_bytes, g, p.cols);
            }
            for (var j = 0u; j < 8u; j++) {
                ws[rr * TILE + gg * 8u + j] = v[j];
            }
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TILE; kk++) {
            for (var a = 0u; a < SUB; a++) {
                let xv = xs[(lid.y * SUB + a) * TILE + kk];
                for (var b = 0u; b < SUB; b++) {
                    acc[a * SUB + b] += xv * ws[(lid.x * SUB + b) * TILE + kk];
                }
            }
        }
        workgroupBarrier();
    }
    for (var a = 0u; a < SUB; a++) {
        let t = t0 + lid.y * SUB + a;
        for (var b = 0u; b < SUB; b++) {
            let r = r0 + lid.x * SUB + b;
            if (t < p.tokens && r < p.rows) {
                y[t * p.out_stride + p.out_offset + r] = acc[a * SUB + b];
            }
        }
    }
}
