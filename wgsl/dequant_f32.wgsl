// F32 weights: element e of a row starting at byte `row` is the word at row + 4e.
// Rows start at multiples of 4 bytes (row_bytes = 4·cols). Elements at or past `cols` read as 0
// so a row length that is not a multiple of 8 needs no special case in the kernels.
// CPU twin: ggml.Dequantize(ggml.F32, …).

const BLOCK_ELEMS: u32 = 1u;
const BLOCK_BYTES: u32 = 4u;

fn dequant8(row: u32, g: u32, cols: u32) -> array<f32, 8> {
    var o: array<f32, 8>;
    let base = row >> 2u;
    let e0 = g * 8u;
    if (e0 + 8u <= cols) {
        for (var j = 0u; j < 8u; j++) {
            o[j] = bitcast<f32>(w[base + e0 + j]);
        }
        return o;
    }
    for (var j = 0u; j < 8u; j++) {
        let e = g * 8u + j;
        if (e < cols) {
            o[j] = bitcast<f32>(w[base + e]);
        }
    }
    return o;
}
