// Q5_K weights: 176-byte super-blocks of 256 elements
// {d: f16, dmin: f16, scales: [12]u8 (8 six-bit scale/min pairs), qh: [32]u8, qs: [128]u8}.
// As Q4_K, plus a 5th bit: chunk c (64 elements) uses qs[32c … 32c+31], its first 32 elements
// the low nibbles with sub-block 2c's scale/min and 5th bit in bit 2c of qh[l], the next 32 the
// high nibbles with sub-block 2c+1's and bit 2c+1 of qh[l]; element = d·scale·q − dmin·min.
// Group g (8 elements) lies in super-block g/32 at in-block group i = g%32: chunk i/8, high
// nibbles when i%8 ≥ 4, l = 8·(i%4) … 8·(i%4)+7.
// CPU twin: ggml.Dequantize(ggml.Q5_K, …) (llama.cpp dequantize_row_q5_K, get_scale_min_k4).

const BLOCK_ELEMS: u32 = 256u;
const BLOCK_BYTES: u32 = 176u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    let base = row + (g >> 5u) * BLOCK_BYTES;
    let i = g & 31u;
    let chunk = i >> 3u;
    let high = (i >> 2u) & 1u;
    let sub = 2u * chunk + high;
    let sm = scale_min_k4(base + 4u, sub); // bytes.wgsl
    let d = w_f16(base) * f32(sm.x);
    let m = w_f16(base + 2u) * f32(sm.y);
    let l0 = 8u * (i & 3u);
    let qh = base + 16u + l0;
    let q = base + 48u + 32u * chunk + l0;
    let shift = high * 4u;
    let lo = w_u32(q) >> shift;
    let hi = w_u32(q + 4u) >> shift;
    let bit = sub;
    let hlo = w_u32(qh) >> bit;
    let hhi = w_u32(qh + 4u) >> bit;
    var o: array<f32, 8>;
    for (var j = 0u; j < 4u; j++) {
        let q0 = ((lo >> (8u * j)) & 15u) | (((hlo >> (8u * j)) & 1u) << 4u);
        let q1 = ((hi >> (8u * j)) & 15u) | (((hhi >> (8u * j)) & 1u) << 4u);
        o[j] = d * f32(q0) - m;
        o[j + 4u] = d * f32(q1) - m;
    }
    return o;
}
