// IQ4_NL weights: 18-byte blocks of 32 elements {d: f16, qs: [16]u8}, nibbles in Q4_0's order
// (element j < 16 in the low nibble of qs[j], element j+16 in the high nibble), each nibble an
// index into the non-linear level grid: element = d·iq4_level(nibble) (bytes.wgsl).
// Group g (8 elements) lies in block g/4; sub-group s = g%4 reads the low nibbles of
// qs[8s … 8s+7] when s < 2 and the high nibbles of qs[8(s-2) … 8(s-2)+7] otherwise.
// CPU twin: ggml.Dequantize(ggml.IQ4_NL, …) (llama.cpp dequantize_row_iq4_nl).

const BLOCK_ELEMS: u32 = 32u;
const BLOCK_BYTES: u32 = 18u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    let base = row + (g >> 2u) * BLOCK_BYTES;
    let d = w_f16(base);
    let s = g & 3u;
    let q = base + 2u + (s & 1u) * 8u;
    let shift = (s >> 1u) * 4u;
    let lo = w_u32(q) >> shift;
    let hi = w_u32(q + 4u) >> shift;
    var o: array<f32, 8>;
    for (var j = 0u; j < 4u; j++) {
        o[j] = d * iq4_level((lo >> (8u * j)) & 15u);
        o[j + 4u] = d * iq4_level((hi >> (8u * j)) & 15u);
    }
    return o;
}
