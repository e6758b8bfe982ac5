// F16 weights under the shader-f16 feature: as dequant_f16.wgsl, but the halves are read as
// WGSL f16 values (bitcast of a stored word to vec2<f16>, component 0 the low half) and widened
// to f32. The widening is exact, and products and sums stay in f32 in the kernels: an f16
// accumulator or f16 products would round each partial sum or product to 11 bits (relative
// 2⁻¹¹ ≈ 5·10⁻⁴ per operation), which through a 576-long dot product and a few layers exceeds
// the 1e-3 logit tolerance; f32 arithmetic gives the same bits as the unpack2x16float path.
// The module builder puts `enable f16;` first (wgsl.WeightModuleShaderF16).
// Elements at or past `cols` read as 0.
// CPU twin: ggml.Dequantize(ggml.F16, …).

const BLOCK_ELEMS: u32 = 1u;
const BLOCK_BYTES: u32 = 2u;

// half_at returns the half at even byte offset i.
fn half_at(i: u32) -> f32 {
    return f32(bitcast<vec2<f16>>(w[i >> 2u])[(i >> 1u) & 1u]);
}

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    var o: array<f32, 8>;
    let e0 = g * 8u;
    if (e0 + 8u <= cols && (row & 3u) == 0u) {
        // Whole group in four aligned words.
        let base = (row >> 2u) + 4u * g;
        for (var j = 0u; j < 4u; j++) {
            let h = bitcast<vec2<f16>>(w[base + j]);
            o[2u * j] = f32(h.x);
            o[2u * j + 1u] = f32(h.y);
        }
        return o;
    }
    for (var j = 0u; j < 8u; j++) {
        let e = e0 + j;
        if (e < cols) {
            o[j] = half_at(row + 2u * e);
        }
    }
    return o;
}
