// Mat-vec for decode with a subgroup reduction: y[r] = Σ_k W[r,k]·x[k], W dequantised in-shader.
//
// The subgroups variant of matvec.wgsl (same Params, bindings, ROWS and dispatch), assembled
// after `enable subgroups;`, bytes.wgsl and one dequant_<type>.wgsl, and before
// parts/matvec_row.wgsl.
// Dispatch: one workgroup per ROWS output rows, rows (wid.y·nwg.x + wid.x)·ROWS + slot; the
// LANES = WG/ROWS invocations of a row's slot stride over its 8-element groups exactly as in
// matvec.wgsl, so every invocation's partial sum is the same. Only the combine differs: WGSL
// does not say which invocations share a subgroup (a subgroup may span several row slots, or
// part of one), so each subgroup adds its invocations' partials per row slot (masked, ROWS/4
// vec4 subgroupAdds), one elected invocation stores them in the slot of `sums` named by the
// subgroup's smallest invocation index and marks it filled, and after one barrier the row's
// lane 0 adds the filled slots in index order. The order is fixed for a device's subgroup
// layout, so results repeat run to run (an A/B comparison must not differ by chance); they
// agree with matvec.wgsl within the rounding of a LANES-term sum (checkSubgroups).
// Host: (*webgpu.Step).MatVec on devices where (*webgpu.Device).Subgroups reports true.
// CPU twin: ggml.Dequantize then a float64 dot product.

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
const_assert ROWS % 4u == 0u;

// One slot per subgroup, at its smallest invocation index, so WG slots always suffice.
// Workgroup memory starts zeroed: a slot no subgroup fills stays 0 in `filled`.
var<workgroup> filled: array<u32, WG>;
var<workgroup> sums: array<f32, WG * ROWS>; // (slot, ROWS) per-subgroup row sums

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
    let slot = tid / LANES;
    let lane = tid % LANES;
    let r = (wid.y * nwg.x + wid.x) * ROWS + slot;
    let acc = row_partial(r, lane); // parts/matvec_row.wgsl
    let leader = subgroupElect();
    let mine = subgroupMin(tid);
    if (leader) {
        filled[mine] = 1u;
    }
    for (var q = 0u; q < ROWS / 4u; q++) {
        let s0 = 4u * q;
        let own = vec4<bool>(slot == s0, slot == s0 + 1u, slot == s0 + 2u, slot == s0 + 3u);
        let t = subgroupAdd(select(vec4<f32>(0.0), vec4<f32>(acc), own));
        if (leader) {
            for (var j = 0u; j < 4u; j++) {
                sums[mine * ROWS + s0 + j] = t[j];
            }
        }
    }
    workgroupBarrier();
    if (lane == 0u && r < p.rows) {
        var total = 0.0;
        for (var i = 0u; i < WG; i++) {
            if (filled[i] != 0u) {
                total += sums[i * ROWS + slot];
            }
        }
        y[p.out_offset + r] = total;
    }
}
