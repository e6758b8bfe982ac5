// Embedding lookup: out[t, :] = dequant(E[ids[t], :]).
//
// Assembled after bytes.wgsl and one dequant_<type>.wgsl, which supply dequant8.
// Dispatch: one invocation per (token, 8-element group), id = (wid.y·nwg.x + wid.x)·WG + lid;
// tail invocations return. E may be a row range (first_row … first_row+rows−1) of a larger
// table split across buffers: a call writes the tokens whose ids fall in its range, and the call
// holding row 0 also writes NaN for ids past the vocabulary (total_rows) so the bad row shows.
// Host: (*webgpu.Step).Embedding. CPU twin: ggml.Dequantize of the selected rows.

struct Params {
    rows: u32,      // rows of E in this buffer
    cols: u32,      // embedding width D
    row_bytes: u32, // bytes of one stored row of E
    groups: u32,    // ceil(D / 8)
    tokens: u32,    // T
    first_row: u32,  // table row of E's row 0
    total_rows: u32, // vocabulary size
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<u32>;         // (rows, row_bytes) raw GGUF bytes
@group(0) @binding(2) var<storage, read> ids: array<u32>;       // (T,)
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // (T, D)

const WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let id = (wid.y * nwg.x + wid.x) * WG + lid;
    if (id >= p.tokens * p.groups) {
        return;
    }
    let t = id / p.groups;
    let g = id % p.groups;
    let r = ids[t];
    var v: array<f32, 8>;
    if (r >= p.first_row && r - p.first_row < p.rows) {
        v = dequant8((r - p.first_row) * p.row_bytes, g, p.cols);
    } else if (p.first_row == 0u && r >= p.total_rows) {
        // A quiet NaN marks an id past the vocabulary. The bits are combined with a
        // runtime value: WGSL rejects NaN as a compile-time f32 (Chromium's Tint does).
        let nan = bitcast<f32>(0x7fc00000u | (r & 0u));
        for (var j = 0u; j < 8u; j++) {
            v[j] = nan;
        }
    } else {
        return;
    }
    for (var j = 0u; j < 8u; j++) {
        let c = g * 8u + j;
        if (c < p.cols) {
            out[t * p.cols + c] = v[j];
        }
    }
}
