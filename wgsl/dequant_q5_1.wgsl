// Q5_1 weights: 24-byte blocks of 32 elements {d: f16, m: f16, qh: u32, qs: [16]u8}; element e
// has its low 4 bits in a nibble of qs (low nibble of qs[e] for e < 16, high nibble of qs[e−16]
// otherwise) and its 5th bit in bit e of qh; element = d·q + m.
// Group g (8 elements) lies in block g/4 at elements 8s … 8s+7, s = g%4.
// CPU twin: ggml.Dequantize(ggml.Q5_1, …) (llama.cpp dequantize_row_q5_1).

const BLOCK_ELEMS: u32 = 32u;
const BLOCK_BYTES: u32 = 24u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    let base = row + (g >> 2u) * BLOCK_BYTES;
    let d = w_f16(base);
    let m = w_f16(base + 2u);
    let s = g & 3u;
    let qh = w_u32(base + 4u) >> (8u * s);
    let q = base + 8u + (s & 1u) * 8u;
    let shift = (s >> 1u) * 4u;
    let lo = w_u32(q) >> shift;
    let hi = w_u32(q + 4u) >> shift;
    var o: array<f32, 8>;
    for (var j = 0u; j < 4u; j++) {
        let q0 = ((lo >> (8u * j)) & 15u) | (((qh >> j) & 1u) << 4u);
        let q1 = ((hi >> (8u * j)) & 15u) | (((qh >> (j + 4u)) & 1u) << 4u);
        o[j] = d * f32(q0) + m;
        o[j + 4u] = d * f32(q1) + m;
    }
    return o;
}
