package tokenizer

import "heed/engine/gguf"

// *gguf.File is the Metadata FromGGUF is written for.
var _ Metadata = (*gguf.File)(nil)

// mapMetadata is a Metadata backed by a map, for vocabularies built in tests.
type mapMetadata map[string]any

func (m mapMetadata) String(k string) (string, bool)      { v, ok := m[k].(string); return v, ok }
func (m mapMetadata) Strings(k string) ([]string, bool)   { v, ok := m[k].([]string); return v, ok }
func (m mapMetadata) Float32s(k string) ([]float32, bool) { v, ok := m[k].([]float32); return v, ok }
func (m mapMetadata) Int32s(k string) ([]int32, bool)     { v, ok := m[k].([]int32); return v, ok }
func (m mapMetadata) Bool(k string) (bool, bool)          { v, ok := m[k].(bool); return v, ok }
func (m mapMetadata) Uint(k string) (uint64, bool) {
	switch v := m[k].(type) {
	case uint32:
		return uint64(v), true
	case uint64:
		return v, true
	}
	return 0, false
}

// overlay answers from its map first and from the underlying Metadata for
// keys the map does not hold.
type overlay struct {
	Metadata
	m mapMetadata
}

func (o overlay) Bool(k string) (bool, bool) {
	if _, ok := o.m[k]; ok {
		return o.m.Bool(k)
	}
	return o.Metadata.Bool(k)
}
