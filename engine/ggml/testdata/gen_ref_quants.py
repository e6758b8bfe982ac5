#!/usr/bin/env python3
"""Writes ref_quants.bin: llama.cpp's own reference quantisations of a fixed input.

Usage: gen_ref_quants.py LIBGGML_BASE_SO OUT_FILE

LIBGGML_BASE_SO is libggml-base.so from the npm package
@node-llama-cpp/linux-x64@3.21.1 (bins/linux-x64/, llama.cpp release v0.4.0),
installed with `npm i -E node-llama-cpp@3.21.1` in a scratch directory. The
script calls its exported quantize_row_*_ref, dequantize_row_* and
ggml_fp32_to_{fp16,bf16}_row_ref functions through ctypes.

File layout (little-endian):
  "HEEDQREF" | u32 n | f32[n] input
  then per type: u32 ggml type id | u32 byte count | bytes | f32[n] dequantised
"""
import array
import ctypes
import math
import random
import struct
import sys

N = 2048  # eight 256-element super-blocks, one per input pattern below


def make_input():
    rng = random.Random(20240929)
    out = []
    # 0: standard Gaussian
    out += [rng.gauss(0, 1) for _ in range(256)]
    # 1: small Gaussian with rare large outliers (weights of real models look like this)
    out += [rng.gauss(0, 0.02) * (40 if rng.random() < 0.02 else 1) for _ in range(256)]
    # 2: uniform positive, so every min is non-zero
    out += [1 + rng.random() for _ in range(256)]
    # 3: tiny values, scales near the binary16 subnormal range
    out += [rng.gauss(0, 1e-3) for _ in range(256)]
    # 4: half zeros, half Gaussian, in alternating 16-element runs
    out += [0.0 if (i // 16) % 2 == 0 else rng.gauss(0, 0.5) for i in range(256)]
    # 5: a constant
    out += [-0.75] * 256
    # 6: large magnitudes
    out += [rng.gauss(0, 300) for _ in range(256)]
    # 7: values on a half-integer lattice, to hit rounding ties
    out += [rng.randint(-16, 16) / 2 for _ in range(256)]
    assert len(out) == N
    return array.array("f", out)


# (ggml type id, quantiser symbol, dequantiser symbol, bytes per block, elements per block).
# Quantisers take (src, dst, n), except the ones marked ROWS below.
TYPES = [
    (1, "ggml_fp32_to_fp16_row", "ggml_fp16_to_fp32_row", 2, 1),
    (30, "ggml_fp32_to_bf16_row_ref", "ggml_bf16_to_fp32_row", 2, 1),
    (2, "quantize_row_q4_0_ref", "dequantize_row_q4_0", 18, 32),
    (3, "quantize_row_q4_1_ref", "dequantize_row_q4_1", 20, 32),
    (6, "quantize_row_q5_0_ref", "dequantize_row_q5_0", 22, 32),
    (7, "quantize_row_q5_1_ref", "dequantize_row_q5_1", 24, 32),
    (8, "quantize_row_q8_0_ref", "dequantize_row_q8_0", 34, 32),
    (12, "quantize_row_q4_K_ref", "dequantize_row_q4_K", 144, 256),
    (13, "quantize_row_q5_K_ref", "dequantize_row_q5_K", 176, 256),
    (14, "quantize_row_q6_K_ref", "dequantize_row_q6_K", 210, 256),
    (10, "quantize_row_q2_K_ref", "dequantize_row_q2_K", 84, 256),
    (11, "quantize_row_q3_K_ref", "dequantize_row_q3_K", 110, 256),
    (20, "quantize_iq4_nl", "dequantize_row_iq4_nl", 18, 32),
    (23, "quantize_row_iq4_xs_ref", "dequantize_row_iq4_xs", 136, 256),
]

# Quantisers called as (src, dst, nrow, n_per_row, imatrix) with one row and no
# importance matrix. IQ4_NL uses quantize_iq4_nl, what llama-quantize writes
# files with (ggml_quantize_chunk), rather than quantize_row_iq4_nl_ref, which
# tries one scale per block instead of fifteen and so writes other blocks.
ROWS = {"quantize_iq4_nl"}


def main():
    lib = ctypes.CDLL(sys.argv[1])
    x = make_input()
    xp = (ctypes.c_float * N).from_buffer(x)
    with open(sys.argv[2], "wb") as f:
        f.write(b"HEEDQREF" + struct.pack("<I", N) + x.tobytes())
        for tid, qname, dname, bsize, belems in TYPES:
            nbytes = N // belems * bsize
            q = (ctypes.c_uint8 * nbytes)()
            y = (ctypes.c_float * N)()
            quant, dequant = getattr(lib, qname), getattr(lib, dname)
            dequant.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
            if qname in ROWS:
                quant.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
                quant.restype = ctypes.c_size_t
                assert quant(xp, q, 1, N, None) == nbytes
            else:
                quant.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
                quant(xp, q, N)
            dequant(q, y, N)
            f.write(struct.pack("<II", tid, nbytes) + bytes(q) + bytes(y))


if __name__ == "__main__":
    main()
