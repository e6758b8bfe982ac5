// F16 weights: element e of a row starting at byte `row` is the IEEE half at row + 2e, read from
// the packed u32 words with unpack2x16float, so the shader-f16 feature is not needed.
// Elements at or past `cols` read as 0.
// CPU twin: ggml.Dequantize(ggml.F16, …).

const BLOCK_ELEMS: u32 = 1u;
const BLOCK_BYTES: u32 = 2u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    var o: array<f32, 8>;
    for (var j = 0u; j < 8u; j++) {
        let e = g * 8u + j;
        if (e < cols) {
            o[j] = w_f16(row + 2u * e);
        }
    }
    return o;
}
