package server

import (
	"os"

	"heed/engine/gguf"
)

// readHeader parses name's GGUF header through root (so a symlink cannot lead
// it outside) and returns general.architecture and the quantization name.
func readHeader(root *os.Root, name string) (arch, quant string, err error) {
	f, fi, err := openRegular(root, name)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	return readHeaderFrom(f, fi.Size())
}

// readHeaderFrom parses the GGUF header of the size-byte file f.
func readHeaderFrom(f *os.File, size int64) (arch, quant string, err error) {
	g, err := gguf.Read(f, size)
	if err != nil {
		return "", "", err
	}
	var fileType uint64
	var hasFileType bool
	for _, kv := range g.KV {
		switch kv.Key {
		case "general.architecture":
			if s, ok := kv.Value.Data.(string); ok {
				arch = s
			}
		case "general.file_type":
			fileType, hasFileType = unsigned(kv.Value.Data)
		}
	}
	tensors := make([]tensorSize, len(g.Tensors))
	for i := range g.Tensors {
		tensors[i] = tensorSize{typ: g.Tensors[i].Type, bytes: g.Tensors[i].Bytes()}
	}
	return arch, quantization(fileType, hasFileType, tensors), nil
}

// unsigned reads a non-negative integer metadata value of any integer type
// (writers store general.file_type as uint32, some as int32).
func unsigned(v any) (uint64, bool) {
	switch x := v.(type) {
	case uint8:
		return uint64(x), true
	case uint16:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case uint64:
		return x, true
	case int8:
		return uint64(x), x >= 0
	case int16:
		return uint64(x), x >= 0
	case int32:
		return uint64(x), x >= 0
	case int64:
		return uint64(x), x >= 0
	}
	return 0, false
}
