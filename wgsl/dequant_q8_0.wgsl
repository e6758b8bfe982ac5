// Q8_0 weights: 34-byte blocks of 32 elements {d: f16, qs: [32]i8}; element i = d·qs[i].
// Group g (8 elements) lies in block g/4, at quants 8·(g%4) … 8·(g%4)+7.
// CPU twin: ggml.Dequantize(ggml.Q8_0, …) (llama.cpp dequantize_row_q8_0).

const BLOCK_ELEMS: u32 = 32u;
const BLOCK_BYTES: u32 = 34u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    let base = row + (g >> 2u) * BLOCK_BYTES;
    let d = w_f16(base);
    let q = base + 2u + (g & 3u) * 8u;
    let lo = w_u32(q);
    let hi = w_u32(q + 4u);
    var o: array<f32, 8>;
    for (var j = 0u; j < 4u; j++) {
        o[j] = d * f32(bitcast<i32>(lo << (24u - 8u * j)) >> 24u);
        o[j + 4u] = d * f32(bitcast<i32>(hi << (24u - 8u * j)) >> 24u);
    }
    return o;
}
