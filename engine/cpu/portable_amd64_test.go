package cpu

import "testing"

// TestPortablePathMatchesNaive reruns the kernel checks with the AVX2 kernels
// switched off, so the path taken by CPUs without AVX2 (and by every other
// architecture) is exercised on amd64 CI machines too.
func TestPortablePathMatchesNaive(t *testing.T) {
	if !useAVX2 {
		t.Skip("this CPU has no AVX2: TestMatMulMatchesNaive already ran the portable path")
	}
	useAVX2 = false
	defer func() { useAVX2 = true }()
	TestMatMulMatchesNaive(t)
	TestDotMatchesNaive(t)
}
