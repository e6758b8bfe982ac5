package cpu

import "heed/engine/ggml"

// Batched products (prefill): MatMul decodes weight rows three at a time into
// f32 scratch and multiplies each decoded tile with every token of the batch,
// four tokens at a time (gemm3x4: an AVX-512 or AVX2 kernel, else gemm3x4Go),
// so a weight row is read from memory and dequantised once per token block
// instead of once per token, and each load of a weight chunk or an activation
// chunk feeds several multiply-adds.

// tileRows is the number of weight rows per tile, the kernel's row count.
const tileRows = 3

// A batch is multiplied tokenBlock(cols) tokens at a time: every tile of the
// row range is decoded once per token block, and the block's activations
// (tokens × cols f32, at most tokenBlockBytes unless that is under
// tokenBlockMin tokens) stay in the L2 cache while all tiles sweep them
// instead of streaming from L3 once per tile. Measured at Qwen2.5-0.5B's
// ffn_up (4864×896, 128 tokens): 65 GMAC/s blocked, 30 unblocked; blocks of
// 16–32 tokens all gave 43–45 GMAC/s at ffn_down (896×4864), where the decode
// repeated per block starts to count.
const (
	tokenBlockBytes = 256 << 10
	tokenBlockMin   = 32
)

// tokenBlock is the number of tokens per block for rows of cols floats, a
// multiple of the kernel's four-token step.
func tokenBlock(cols int) int {
	return max(tokenBlockMin, (tokenBlockBytes/(4*cols))&^3)
}

// tiledMinTokens returns the batch size from which the tiled product is used
// for weights of type typ. F32 rows need no decoding and the tile costs what
// per-token dot products cost even for one token, so every F32 product is
// tiled: a token's outputs are then the same bits whatever batch it is in, and
// chunked prefill gives exactly what whole prefill gives. For quantised rows,
// decoding a tile costs about as much as two or three per-token products with
// the AVX2 block kernels, which decode (one token) keeps; two tokens already
// pay for the decode except with Q4_K, whose per-token kernel is the fastest
// (best-of-30 ratios per-token ÷ tiled at SmolLM2-135M's FFN shapes, n = 1:
// F32 0.97–1.00; n = 2: Q8_0 1.12, Q5_0 1.42, Q6_K 1.28, Q4_K 0.98; n = 3:
// Q4_K 1.35; median of three, n = 2: Q2_K 1.3, Q3_K 1.6, IQ4_XS 1.6, IQ4_NL
// 1.55 at 1536×576).
func tiledMinTokens(typ ggml.Type) int {
	switch {
	case typ == ggml.F32:
		return 1
	case typ == ggml.Q4_K && useAVX2:
		return 3
	}
	return 2
}

// tiledRows computes rows [lo, hi) of the job's MatMul tile by tile in worker k,
// one token block at a time. Each output is summed by the same kernel code
// whichever tile, token block and batch position it falls in, so neither the
// split across workers nor the blocking changes results.
func (j *matMulJob) tiledRows(k, lo, hi int) {
	W, n, cols := j.w, j.n, j.w.cols
	tb := tokenBlock(cols)
	tile, out := j.e.scratchTile(k, tileRows*cols, tileRows*min(n, tb))
	for t0 := 0; t0 < n; t0 += tb {
		nt := min(tb, n-t0)
		x := j.x[t0*cols:]
		for r := lo; r < hi; r += tileRows {
			m := min(tileRows, hi-r)
			w := W.tile(r, m, tile)
			if next := r + tileRows; next < hi {
				// The next tile's raw rows, while this one is multiplied.
				prefetch(W.raw[next*W.rowBytes : min(next+tileRows, hi)*W.rowBytes])
			}
			if done := gemm3x4(w, cols, x, cols, out, nt, cols); done > 0 {
				// Columns past the kernel's last step (f32 weights of odd width).
				for c := done; c < cols; c++ {
					for t := range nt {
						for i := range m {
							out[t*tileRows+i] += w[i*cols+c] * x[t*cols+c]
						}
					}
				}
			} else {
				gemm3x4Go(w, cols, x, cols, out, nt, cols)
			}
			for t := range nt {
				y := j.y[(t0+t)*W.rows+r:]
				copy(y[:m], out[t*tileRows:t*tileRows+m])
			}
		}
	}
}

// tile returns rows [r, r+m) of w as f32, tileRows rows of cols floats: a view
// of f32 weights for a whole tile, else decoded (or copied) into scratch. Rows
// past m hold whatever the scratch held; their products are discarded.
func (w *weight) tile(r, m int, scratch []float32) []float32 {
	if w.f32 != nil && m == tileRows {
		return w.f32[r*w.cols : (r+tileRows)*w.cols]
	}
	if w.f32 != nil {
		copy(scratch, w.f32[r*w.cols:(r+m)*w.cols])
		return scratch
	}
	raw := w.raw[r*w.rowBytes : (r+m)*w.rowBytes]
	if dequantRow(w.typ, raw, scratch[:m*w.cols]) {
		return scratch
	}
	// The type was checked in Weight, and the rows are whole blocks.
	_ = ggml.Dequantize(w.typ, raw, scratch[:m*w.cols])
	return scratch
}

// gemm3x4Go is the portable gemm3x4: out[t*3+r] = Σ_{c<k} w[r*wstride+c]·x[t*xstride+c],
// each sum in column order, twelve at a time (three rows by four tokens) so
// that every loaded weight and activation is used several times.
func gemm3x4Go(w []float32, wstride int, x []float32, xstride int, out []float32, n, k int) {
	w0, w1, w2 := w[:k], w[wstride:wstride+k], w[2*wstride:2*wstride+k]
	t := 0
	for ; t+4 <= n; t += 4 {
		x0, x1 := x[t*xstride:t*xstride+k], x[(t+1)*xstride:(t+1)*xstride+k]
		x2, x3 := x[(t+2)*xstride:(t+2)*xstride+k], x[(t+3)*xstride:(t+3)*xstride+k]
		var s00, s01, s02, s10, s11, s12, s20, s21, s22, s30, s31, s32 float32
		for c := range k {
			a, b, d := w0[c], w1[c], w2[c]
			v := x0[c]
			s00 += a * v
			s01 += b * v
			s02 += d * v
			v = x1[c]
			s10 += a * v
			s11 += b * v
			s12 += d * v
			v = x2[c]
			s20 += a * v
			s21 += b * v
			s22 += d * v
			v = x3[c]
			s30 += a * v
			s31 += b * v
			s32 += d * v
		}
		o := out[3*t : 3*t+12]
		o[0], o[1], o[2] = s00, s01, s02
		o[3], o[4], o[5] = s10, s11, s12
		o[6], o[7], o[8] = s20, s21, s22
		o[9], o[10], o[11] = s30, s31, s32
	}
	for ; t < n; t++ {
		xt := x[t*xstride : t*xstride+k]
		var s0, s1, s2 float32
		for c, v := range xt {
			s0 += w0[c] * v
			s1 += w1[c] * v
			s2 += w2[c] * v
		}
		out[3*t], out[3*t+1], out[3*t+2] = s0, s1, s2
	}
}

// scratchTile returns worker k's weight tile scratch of wn floats and its
// output tile scratch of on floats.
func (e *Executor) scratchTile(k, wn, on int) (tile, out []float32) {
	if len(e.tiles[k]) < wn {
		e.tiles[k] = make([]float32, wn)
	}
	if len(e.outs[k]) < on {
		e.outs[k] = make([]float32, on)
	}
	return e.tiles[k][:wn], e.outs[k][:on]
}
