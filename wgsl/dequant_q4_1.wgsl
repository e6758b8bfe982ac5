// Q4_1 weights: 20-byte blocks of 32 elements {d: f16, m: f16, qs: [16]u8}; element j < 16 is
// d·(qs[j] & 15) + m, element j+16 is d·(qs[j] >> 4) + m.
// Group g (8 elements) lies in block g/4; sub-group s = g%4 reads the low nibbles of
// qs[8s … 8s+7] when s < 2 and the high nibbles of qs[8(s-2) … 8(s-2)+7] otherwise.
// CPU twin: ggml.Dequantize(ggml.Q4_1, …) (llama.cpp dequantize_row_q4_1).

const BLOCK_ELEMS: u32 = 32u;
const BLOCK_BYTES: u32 = 20u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    let base = row + (g >> 2u) * BLOCK_BYTES;
    let d = w_f16(base);
    let m = w_f16(base + 2u);
    let s = g & 3u;
    let q = base + 4u + (s & 1u) * 8u;
    let shift = (s >> 1u) * 4u;
    let lo = w_u32(q) >> shift;
    let hi = w_u32(q + 4u) >> shift;
    var o: array<f32, 8>;
    for (var j = 0u; j < 4u; j++) {
        o[j] = d * f32((lo >> (8u * j)) & 15u) + m;
        o[j + 4u] = d * f32((hi >> (8u * j)) & 15u) + m;
    }
    return o;
}
