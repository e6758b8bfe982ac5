package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"heed/internal/defaultmodel"
)

func init() {
	register(command{name: "models", summary: "fetch the default model and list the models directory", run: runModels})
}

func runModels(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "models", "")
	dir := fs.String("dir", defaultModelsDir(), "models directory")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return usagef("unexpected arguments %q", rest)
	}
	if _, err := defaultmodel.Ensure(*dir); err != nil {
		return err
	}
	entries, err := os.ReadDir(*dir)
	if err != nil {
		return err
	}
	var names []string
	for _, en := range entries {
		if !en.IsDir() && strings.HasSuffix(strings.ToLower(en.Name()), ".gguf") {
			names = append(names, en.Name())
		}
	}
	sort.Strings(names)
	type modelFile struct {
		Path  string `json:"path"`
		Bytes int64  `json:"bytes"`
	}
	list := []modelFile{}
	for _, n := range names {
		info, err := os.Stat(filepath.Join(*dir, n))
		if err != nil {
			return err
		}
		list = append(list, modelFile{filepath.Join(*dir, n), info.Size()})
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(list)
	}
	for _, m := range list {
		fmt.Fprintf(e.stdout, "%s\t%d bytes\n", m.Path, m.Bytes)
	}
	return nil
}
