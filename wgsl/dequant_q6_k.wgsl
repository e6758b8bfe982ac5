// Q6_K weights: 210-byte super-blocks of 256 elements
// {ql: [128]u8 low 4 bits, qh: [64]u8 high 2 bits, scales: [16]i8, d: f16}.
// Each half h (128 elements) uses ql[64h …], qh[32h …], scales[8h …]; within a half, element
// 32·k + l (k = 0…3, l = 0…31) is d·scales[8h + l/16 + 2k]·(q − 32) with
// q = nibble (k/2 ? high : low) of ql[64h + l + 32·(k%2)] | ((qh[32h + l] >> 2k) & 3) << 4.
// CPU twin: ggml.Dequantize(ggml.Q6_K, …) (llama.cpp dequantize_row_q6_K).

const BLOCK_ELEMS: u32 = 256u;
const BLOCK_BYTES: u32 = 210u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    let base = row + (g >> 5u) * BLOCK_BYTES;
    let e = (g & 31u) * 8u;
    let h = e >> 7u;
    let k = (e >> 5u) & 3u;
    let l0 = e & 31u;
    let ql = base + 64u * h + 32u * (k & 1u);
    let qh = base + 128u + 32u * h;
    let d = w_f16(base + 208u) * w_s8(base + 192u + 8u * h + (l0 >> 4u) + 2u * k);
    let nib = (k >> 1u) * 4u;
    var o: array<f32, 8>;
    for (var j = 0u; j < 8u; j++) {
        let l = l0 + j;
        let q = ((w_u8(ql + l) >> nib) & 15u) | (((w_u8(qh + l) >> (2u * k)) & 3u) << 4u);
        o[j] = d * (f32(q) - 32.0);
    }
    return o;
}
