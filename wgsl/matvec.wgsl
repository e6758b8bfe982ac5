// Mat-vec for decode: y[r] = Σ_k W[r,k]·x[k], W dequantised in-shader.
//
// Assembled after bytes.wgsl and one dequant_<type>.wgsl, which supply dequant8, and before
// parts/matvec_row.wgsl, which supplies row_partial.
// Dispatch: one workgroup per ROWS output rows, rows (wid.y·nwg.x + wid.x)·ROWS + slot (counts
// past the per-dimension limit fold into y); the LANES = WG/ROWS invocations of a row's slot
// stride over its 8-element groups and reduce in workgroup memory. Several rows per workgroup
// keep the workgroup count (a fixed cost on software devices such as lavapipe) and the
// barriers per row low, while a real GPU still gets one workgroup per few rows.
// Host: (*webgpu.Step).MatVec. CPU twin: ggml.Dequantize then a float64 dot product.

struct Params {
    rows: u32,      // N, output length
    cols: u32,      // K, input length
    row_bytes: u32, // bytes of one stored row of W
    groups: u32,    // ceil(K / 8)
    out_offset: u32, // element of y that row 0 of W writes (W may be a row range of a larger matrix)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<u32>;       // (N, row_bytes) raw GGUF bytes
@group(0) @binding(2) var<storage, read> x: array<f32>;       // (K,)
@group(0) @binding(3) var<storage, read_write> y: array<f32>; // (out_offset + N,)

const WG: u32 = 64u;
const ROWS: u32 = 8u;
const LANES: u32 = WG / ROWS;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
    let slot = tid / LANES;
    let lane = tid % LANES;
    let r = (wid.y * nwg.x + wid.x) * ROWS + slot;
    let acc = row_partial(r, lane); // parts/matvec_row.wgsl
    partial[tid] = acc;
    workgroupBarrier();
    for (var s = LANES / 2u; s > 0u; s >>= 1u) {
        if (lane < s) {
            partial[tid] += partial[tid + s];
        }
        workgroupBarrier();
    }
    if (lane == 0u && r < p.rows) {
        y[p.out_offset + r] = partial[tid];
    }
}
