// Q3_K weights: 110-byte super-blocks of 256 elements
// {hmask: [32]u8, qs: [64]u8, scales: [12]u8 (16 six-bit scales), d: f16}.
// Sixteen 16-element sub-blocks; element = d·(scale − 32)·q, q in −4…3. The low 2 bits of q are
// laid out as in Q2_K (element 128h + 32k + l: bits 2k, 2k+1 of qs[32h + l], sub-block
// 8h + 2k + l/16); its third bit, for element e, is bit e/32 of hmask[e%32], and q = low − 4
// where that bit is clear. Scale j has its low 4 bits in nibble j/8 of scales[j%8] and its top
// 2 bits in bits 2·(j/4), 2·(j/4)+1 of scales[8 + j%4].
// Group g (8 elements) lies in super-block g/32; its first element e = 8·(g%32) gives h, k and
// l0 = e%32: quants qs[32h + l0 …], third bits hmask[l0 …] bit 4h + k, one sub-block.
// CPU twin: ggml.Dequantize(ggml.Q3_K, …) (llama.cpp dequantize_row_q3_K).

const BLOCK_ELEMS: u32 = 256u;
const BLOCK_BYTES: u32 = 110u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    let base = row + (g >> 5u) * BLOCK_BYTES;
    let e = (g & 31u) * 8u;
    let h = e >> 7u;
    let k = (e >> 5u) & 3u;
    let l0 = e & 31u;
    let j = 8u * h + 2u * k + (l0 >> 4u);
    let scale = ((w_u8(base + 96u + (j & 7u)) >> (4u * (j >> 3u))) & 15u)
              | (((w_u8(base + 104u + (j & 3u)) >> (2u * (j >> 2u))) & 3u) << 4u);
    let d = w_f16(base + 108u) * f32(i32(scale) - 32);
    let q = base + 32u + 32u * h + l0;
    let shift = 2u * k;
    let lo = w_u32(q) >> shift;
    let hi = w_u32(q + 4u) >> shift;
    let bit = 4u * h + k;
    let mlo = w_u32(base + l0) >> bit;
    let mhi = w_u32(base + l0 + 4u) >> bit;
    var o: array<f32, 8>;
    for (var i = 0u; i < 4u; i++) {
        let q0 = i32(((lo >> (8u * i)) & 3u) | (((mlo >> (8u * i)) & 1u) << 2u)) - 4;
        let q1 = i32(((hi >> (8u * i)) & 3u) | (((mhi >> (8u * i)) & 1u) << 2u)) - 4;
        o[i] = d * f32(q0);
        o[i + 4u] = d * f32(q1);
    }
    return o;
}
