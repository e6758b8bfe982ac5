package cpu

import "testing"

// TestPortablePathMatchesNaive reruns the kernel checks with the vector kernels
// (AVX2 and AVX-512, both gated by useAVX2) switched off, so the path taken by CPUs without AVX2 (and by every other
// architecture) is exercised on amd64 CI machines too.
func TestPortablePathMatchesNaive(t *testing.T) {
	if !useAVX2 {
		t.Skip("this CPU has no AVX2: TestMatMulMatchesNaive already ran the portable path")
	}
	useAVX2 = false
	defer func() { useAVX2 = true }()
	TestMatMulMatchesNaive(t)
	TestDotMatchesNaive(t)
	TestTiledMatMulMatchesNaive(t)
	TestTiledMatMulTokenBlocks(t)
	TestF32BatchSplitIsExact(t)
	TestWeightedSumMatchesNaive(t)
	TestAttentionMatchesNaive(t)
}

// TestAVX2PathMatchesNaive reruns the tiled product's checks with the AVX-512
// kernel switched off, so the AVX2 kernel is exercised on AVX-512 machines too.
func TestAVX2PathMatchesNaive(t *testing.T) {
	if !useAVX512 {
		t.Skip("this CPU has no AVX-512: the other tests already ran the AVX2 path")
	}
	useAVX512 = false
	defer func() { useAVX512 = true }()
	TestGemmKernelMatchesPortable(t)
	TestTiledMatMulMatchesNaive(t)
	TestTiledMatMulTokenBlocks(t)
	TestF32BatchSplitIsExact(t)
}
