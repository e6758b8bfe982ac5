// One invocation's partial sum of a decode mat-vec row, shared by matvec.wgsl and
// subgroups/matvec.wgsl so that both add the same products in the same order before their
// different combines: invocation `lane` of row r strides over the row's 8-element groups
// g = lane, lane + LANES, …, dequantising each with dequant8. Uses the kernel's p, x and LANES.
fn row_partial(r: u32, lane: u32) -> f32 {
    var acc = 0.0;
    if (r >= p.rows) {
        return acc;
    }
    let row = r * p.row_bytes;
    for (var g = lane; g < p.groups; g += LANES) {
        var v = dequant8(row, g, p.cols);
        let k0 = g * 8u;
        if (k0 + 8u <= p.cols) {
            acc += dot(vec4<f32>(v[0], v[1], v[2], v[3]), vec4<f32>(x[k0], x[k0 + 1u], x[k0 + 2u], x[k0 + 3u]))
                 + dot(vec4<f32>(v[4], v[5], v[6], v[7]), vec4<f32>(x[k0 + 4u], x[k0 + 5u], x[k0 + 6u], x[k0 + 7u]));
        } else {
            for (var j = 0u; j < 8u; j++) {
                if (k0 + j < p.cols) {
                    acc += v[j] * x[k0 + j];
                }
            }
        }
    }
    return acc;
}
