package wire

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
)

// TestFloatsKeepEveryBit pins that vectors cross the protocol exactly:
// subnormals, negative zero, infinities and NaN payloads included.
func TestFloatsKeepEveryBit(t *testing.T) {
	in := Floats{0, float32(math.Copysign(0, -1)), 1e-45, 0.1, -3.4e38, float32(math.Inf(1)), math.Float32frombits(0x7fc00001)}
	b, err := json.Marshal(Track{Scalar: in})
	if err != nil {
		t.Fatal(err)
	}
	var out Track
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	bits := func(f Floats) []uint32 {
		var u []uint32
		for _, v := range f {
			u = append(u, math.Float32bits(v))
		}
		return u
	}
	if !slices.Equal(bits(in), bits(out.Scalar)) {
		t.Errorf("round trip %v → %v", in, out.Scalar)
	}
	var bad Floats
	if err := json.Unmarshal([]byte(`"AAA="`), &bad); err == nil {
		t.Error("3 bytes decoded as float32s")
	}
}

func TestCode(t *testing.T) {
	if Code(&Error{Code: CodeBusy}) != CodeBusy || Code(nil) != "" {
		t.Error("Code does not read a worker error")
	}
}
