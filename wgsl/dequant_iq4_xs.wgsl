// IQ4_XS weights: 136-byte super-blocks of 256 elements
// {d: f16, scales_h: u16, scales_l: [4]u8, qs: [128]u8}. Sub-block ib (32 elements) is laid out
// as an IQ4_NL block with nibbles qs[16·ib …] and scale d·(ls − 32), where the 6-bit ls has its
// low 4 bits in nibble ib%2 of scales_l[ib/2] and its top 2 bits in bits 2ib, 2ib+1 of scales_h;
// element = d·(ls − 32)·iq4_level(nibble) (bytes.wgsl).
// Group g (8 elements) lies in super-block g/32, sub-block ib = (g%32)/4, sub-group s = g%4 as
// in IQ4_NL.
// CPU twin: ggml.Dequantize(ggml.IQ4_XS, …) (llama.cpp dequantize_row_iq4_xs).

const BLOCK_ELEMS: u32 = 256u;
const BLOCK_BYTES: u32 = 136u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    let base = row + (g >> 5u) * BLOCK_BYTES;
    let ib = (g >> 2u) & 7u;
    let ls = ((w_u8(base + 4u + (ib >> 1u)) >> (4u * (ib & 1u))) & 15u)
           | (((w_u16(base + 2u) >> (2u * ib)) & 3u) << 4u);
    let dl = w_f16(base) * f32(i32(ls) - 32);
    let s = g & 3u;
    let q = base + 8u + 16u * ib + (s & 1u) * 8u;
    let shift = (s >> 1u) * 4u;
    let lo = w_u32(q) >> shift;
    let hi = w_u32(q + 4u) >> shift;
    var o: array<f32, 8>;
    for (var j = 0u; j < 4u; j++) {
        o[j] = dl * iq4_level((lo >> (8u * j)) & 15u);
        o[j + 4u] = dl * iq4_level((hi >> (8u * j)) & 15u);
    }
    return o;
}
