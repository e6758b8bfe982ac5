// BF16 weights: element e of a row starting at byte `row` is the bfloat16 at row + 2e, the top
// half of an f32: its bits shifted left by 16 are the f32 value exactly.
// Elements at or past `cols` read as 0.
// CPU twin: ggml.Dequantize(ggml.BF16, …) (ggml_bf16_to_fp32).

const BLOCK_ELEMS: u32 = 1u;
const BLOCK_BYTES: u32 = 2u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    var o: array<f32, 8>;
    for (var j = 0u; j < 8u; j++) {
        let e = g * 8u + j;
        if (e < cols) {
            o[j] = bitcast<f32>(w_u16(row + 2u * e) << 16u);
        }
    }
    return o;
}
