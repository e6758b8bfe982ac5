// Q2_K weights: 84-byte super-blocks of 256 elements
// {scales: [16]u8 (4-bit scale | 4-bit min << 4), qs: [64]u8, d: f16, dmin: f16}.
// Sixteen 16-element sub-blocks; element = d·scale·q − dmin·min, q in 0…3. Half h (128
// elements) reads qs[32h …]: element 128h + 32k + l (k = 0…3, l = 0…31) is bits 2k, 2k+1 of
// qs[32h + l], in sub-block 8h + 2k + l/16.
// Group g (8 elements) lies in super-block g/32; its first element e = 8·(g%32) gives h, k and
// l0 = e%32, so the group reads qs[32h + l0 … 32h + l0 + 7] in one sub-block.
// CPU twin: ggml.Dequantize(ggml.Q2_K, …) (llama.cpp dequantize_row_q2_K).

const BLOCK_ELEMS: u32 = 256u;
const BLOCK_BYTES: u32 = 84u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    let base = row + (g >> 5u) * BLOCK_BYTES;
    let e = (g & 31u) * 8u;
    let h = e >> 7u;
    let k = (e >> 5u) & 3u;
    let l0 = e & 31u;
    let sc = w_u8(base + 8u * h + 2u * k + (l0 >> 4u));
    let d = w_f16(base + 80u) * f32(sc & 15u);
    let m = w_f16(base + 82u) * f32(sc >> 4u);
    let q = base + 16u + 32u * h + l0;
    let shift = 2u * k;
    let lo = w_u32(q) >> shift;
    let hi = w_u32(q + 4u) >> shift;
    var o: array<f32, 8>;
    for (var j = 0u; j < 4u; j++) {
        o[j] = d * f32((lo >> (8u * j)) & 3u) - m;
        o[j + 4u] = d * f32((hi >> (8u * j)) & 3u) - m;
    }
    return o;
}
