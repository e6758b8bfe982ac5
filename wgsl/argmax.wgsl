// Greedy token choice on the GPU: out[0] = argmax_i x[i], lowest index on ties, so decode
// reads back 4 bytes instead of the logits.
//
// Dispatch: a single workgroup; invocations stride over x keeping (max, index), then reduce
// pairs in workgroup memory.
// Host: (*webgpu.Step).Argmax. CPU twin: a Go loop in the test.

struct Params {
    n: u32, // vocabulary size, ≥ 1
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;         // (n,)
@group(0) @binding(2) var<storage, read_write> out: array<u32>; // (1,)

const WG: u32 = 256u;

var<workgroup> best: array<f32, WG>;
var<workgroup> where_: array<u32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
    var b = -3.0e38;
    var bi = 0xffffffffu;
    for (var i = lid; i < p.n; i += WG) {
        let v = x[i];
        if (v > b || bi == 0xffffffffu) {
            b = v;
            bi = i;
        }
    }
    best[lid] = b;
    where_[lid] = bi;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if (lid < s) {
            let ob = best[lid + s];
            let oi = where_[lid + s];
            if (oi != 0xffffffffu && (where_[lid] == 0xffffffffu || ob > best[lid] || (ob == best[lid] && oi < where_[lid]))) {
                best[lid] = ob;
                where_[lid] = oi;
            }
        }
        workgroupBarrier();
    }
    if (lid == 0u) {
        out[0] = where_[0];
    }
}
