package ggml

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"testing"
)

// refCase is one type's section of testdata/ref_quants.bin.
type refCase struct {
	typ     Type
	encoded []byte
	decoded []float32
}

// loadRefQuants reads testdata/ref_quants.bin, written by testdata/gen_ref_quants.py
// from llama.cpp's own quantize_row_*_ref and dequantize_row_* (libggml-base.so of
// node-llama-cpp 3.21.1, llama.cpp release v0.4.0). See that script for the layout.
func loadRefQuants(t *testing.T) ([]float32, []refCase) {
	t.Helper()
	raw, err := os.ReadFile("testdata/ref_quants.bin")
	if err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(raw)
	var magic [8]byte
	var n uint32
	if err := binary.Read(r, binary.LittleEndian, &magic); err != nil || string(magic[:]) != "HEEDQREF" {
		t.Fatalf("bad magic %q: %v", magic, err)
	}
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		t.Fatal(err)
	}
	input := make([]float32, n)
	if err := binary.Read(r, binary.LittleEndian, input); err != nil {
		t.Fatal(err)
	}
	var cases []refCase
	for r.Len() > 0 {
		var hdr [2]uint32
		if err := binary.Read(r, binary.LittleEndian, &hdr); err != nil {
			t.Fatal(err)
		}
		c := refCase{typ: Type(hdr[0]), encoded: make([]byte, hdr[1]), decoded: make([]float32, n)}
		if err := binary.Read(r, binary.LittleEndian, c.encoded); err != nil {
			t.Fatal(err)
		}
		if err := binary.Read(r, binary.LittleEndian, c.decoded); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	return input, cases
}

// TestMatchesLlamaCppReference pins Quantize and Dequantize bit for bit to
// llama.cpp's reference code on eight super-blocks of differently shaped data.
func TestMatchesLlamaCppReference(t *testing.T) {
	input, cases := loadRefQuants(t)
	if len(cases) != 14 {
		t.Fatalf("%d types in the reference file, want 14", len(cases))
	}
	for _, c := range cases {
		t.Run(c.typ.String(), func(t *testing.T) {
			enc, err := Quantize(c.typ, input)
			if err != nil {
				t.Fatal(err)
			}
			bs, be := c.typ.TypeSize(), c.typ.BlockSize()
			bad := 0
			for b := 0; b < len(enc)/bs && bad < 10; b++ {
				if got, want := enc[b*bs:(b+1)*bs], c.encoded[b*bs:(b+1)*bs]; !bytes.Equal(got, want) {
					bad++
					t.Errorf("block %d (elements %d..%d) differs:\n got  % x\n want % x", b, b*be, (b+1)*be-1, got, want)
				}
			}
			dec := make([]float32, len(input))
			if err := Dequantize(c.typ, c.encoded, dec); err != nil {
				t.Fatal(err)
			}
			bad = 0
			for i := range dec {
				if math.Float32bits(dec[i]) != math.Float32bits(c.decoded[i]) && bad < 10 {
					bad++
					t.Errorf("dequantised element %d = %v, llama.cpp %v", i, dec[i], c.decoded[i])
				}
			}
		})
	}
}
