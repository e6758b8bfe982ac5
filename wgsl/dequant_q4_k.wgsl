// Q4_K weights: 144-byte super-blocks of 256 elements
// {d: f16, dmin: f16, scales: [12]u8 (8 six-bit scale/min pairs), qs: [128]u8}.
// Chunk c (64 elements) uses qs[32c … 32c+31]: its first 32 elements are the low nibbles with
// sub-block 2c's scale/min, the next 32 the high nibbles with sub-block 2c+1's;
// element = d·scale·nibble − dmin·min.
// Group g (8 elements) lies in super-block g/32 at in-block group i = g%32: chunk i/8, high
// nibbles when i%8 ≥ 4, quants qs[32·(i/8) + 8·(i%4) …].
// CPU twin: ggml.Dequantize(ggml.Q4_K, …) (llama.cpp dequantize_row_q4_K, get_scale_min_k4).

const BLOCK_ELEMS: u32 = 256u;
const BLOCK_BYTES: u32 = 144u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    let base = row + (g >> 5u) * BLOCK_BYTES;
    let i = g & 31u;
    let chunk = i >> 3u;
    let high = (i >> 2u) & 1u;
    let sub = 2u * chunk + high;
    let sm = scale_min_k4(base + 4u, sub); // bytes.wgsl
    let d = w_f16(base) * f32(sm.x);
    let m = w_f16(base + 2u) * f32(sm.y);
    let q = base + 16u + 32u * chunk + 8u * (i & 3u);
    let shift = high * 4u;
    let lo = w_u32(q) >> shift;
    let hi = w_u32(q + 4u) >> shift;
    var o: array<f32, 8>;
    for (var j = 0u; j < 4u; j++) {
        o[j] = d * f32((lo >> (8u * j)) & 15u) - m;
        o[j + 4u] = d * f32((hi >> (8u * j)) & 15u) - m;
    }
    return o;
}
