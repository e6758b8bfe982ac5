// Byte-level reads from the weight buffer `w: array<u32>` that the including kernel declares.
//
// Weights are uploaded exactly as the GGUF file stores them (padded with zeros to a multiple of
// 4 bytes), so quantised blocks whose size is not a multiple of 4 (Q8_0: 34 bytes, Q4_0: 18,
// Q6_K: 210) start at any even byte offset. These helpers read little-endian bytes, halves and
// words at such offsets; every offset passed to w_u16, w_f16 and w_u32 is even. It also holds
// scale_min_k4, the packed-scale unpacking that the Q4_K and Q5_K dequantisers share, and
// iq4_level, the level table that the IQ4_NL and IQ4_XS dequantisers share.
// CPU twin: encoding/binary.LittleEndian on the file bytes.

fn w_u8(i: u32) -> u32 {
    return (w[i >> 2u] >> ((i & 3u) << 3u)) & 0xffu;
}

fn w_s8(i: u32) -> f32 {
    return f32(bitcast<i32>(w_u8(i) << 24u) >> 24u);
}

// i even: a half never straddles two words.
fn w_u16(i: u32) -> u32 {
    return (w[i >> 2u] >> ((i & 2u) << 3u)) & 0xffffu;
}

fn w_f16(i: u32) -> f32 {
    return unpack2x16float(w_u16(i)).x;
}

// i even: the word is aligned or straddles two words at a half boundary.
fn w_u32(i: u32) -> u32 {
    let j = i >> 2u;
    if ((i & 2u) == 0u) {
        return w[j];
    }
    return (w[j] >> 16u) | (w[j + 1u] << 16u);
}

// The 6-bit scale (x) and min (y) of sub-block j (0..7) from the 12 packed bytes at sc of a
// Q4_K or Q5_K block: bytes 0–3 hold scales 0–3 and bytes 4–7 mins 0–3 in their low 6 bits;
// bytes 8–11 hold the low 4 bits of scale 4+i (low nibble) and min 4+i (high nibble), whose
// top 2 bits sit in bits 6–7 of bytes i and 4+i. CPU twin: ggml's scaleMinK4
// (get_scale_min_k4 in llama.cpp's ggml-quants.c).
fn scale_min_k4(sc: u32, j: u32) -> vec2<u32> {
    if (j < 4u) {
        return vec2<u32>(w_u8(sc + j) & 63u, w_u8(sc + j + 4u) & 63u);
    }
    return vec2<u32>((w_u8(sc + j + 4u) & 15u) | ((w_u8(sc + j - 4u) >> 6u) << 4u),
                     (w_u8(sc + j + 4u) >> 4u) | ((w_u8(sc + j) >> 6u) << 4u));
}

// The 16 levels of IQ4_NL and IQ4_XS (kvalues_iq4nl in llama.cpp's ggml-common.h:
// −127, −104, −83, −65, −49, −35, −22, −10, 1, 13, 25, 38, 53, 69, 89, 113) as signed bytes,
// four per word, little-endian. A vector rather than an array: every WGSL compiler indexes a
// vector with a runtime index directly. CPU twin: ggml's kvaluesIQ4NL.
const IQ4_LEVELS = vec4<u32>(0xbfad9881u, 0xf6eaddcfu, 0x26190d01u, 0x71594535u);

// The level a 4-bit IQ4 index n (0–15) selects.
fn iq4_level(n: u32) -> f32 {
    return f32(bitcast<i32>(IQ4_LEVELS[n >> 2u] << (24u - 8u * (n & 3u))) >> 24u);
}
