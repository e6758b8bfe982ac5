package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/httprange"
	"heed/app/jspromise"
	"heed/app/keep"
	"heed/app/session"
	"heed/internal/defaultmodel"
)

// TestLoadSessionReadsAnyReaderAt pins the one path every source shares: the
// default model from a file loads with the given name on its card, and bytes
// that are not GGUF fail with session.ErrNotGGUF.
func TestLoadSessionReadsAnyReaderAt(t *testing.T) {
	data, err := os.ReadFile(defaultmodel.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := loadSession(context.Background(), bytes.NewReader(data), int64(len(data)), "picked.gguf")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Card.Name != "picked.gguf" || s.Card.Architecture != "llama" {
		t.Errorf("card %+v, want picked.gguf, llama", s.Card)
	}
	notes := []byte("these are notes, not a model")
	if _, _, err := loadSession(context.Background(), bytes.NewReader(notes), int64(len(notes)), "notes.gguf"); !errors.Is(err, session.ErrNotGGUF) {
		t.Errorf("loading notes: %v, want ErrNotGGUF", err)
	}
}

func TestDescribeLoadError(t *testing.T) {
	tests := []struct {
		kind sourceKind
		err  error
		want string
	}{
		{fromServer, fmt.Errorf("x: %w", session.ErrNotGGUF), "not a GGUF model"},
		{fromFile, fmt.Errorf("x: %w", session.ErrNotGGUF), "not a GGUF model"},
		{fromKept, fmt.Errorf("x: %w", session.ErrUnsupported), "cannot run this model"},
		{fromServer, fmt.Errorf("x: %w", httprange.ErrNoRange), "in pieces"},
		{fromURL, fmt.Errorf("x: %w", httprange.ErrNoRange), "in pieces"},
		{fromServer, errors.New("connection refused"), "could not be downloaded: connection refused"},
		{fromURL, errors.New("Failed to fetch"), "CORS headers"},
		{fromFile, errors.New("NotReadableError"), "file could not be read"},
		{fromKept, fmt.Errorf("x: %w", keep.ErrNotKept), "kept copy could not be read"},
	}
	for _, tc := range tests {
		if got := describeLoadError(tc.kind, tc.err); !strings.Contains(got, tc.want) {
			t.Errorf("describeLoadError(%d, %v) = %q, want %q", tc.kind, tc.err, got, tc.want)
		}
	}
}

func TestDescribeListError(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("model list: %w: %w", errUnreachable, errors.New("Failed to fetch")), "you may be offline"},
		{fmt.Errorf("model list: %w", context.DeadlineExceeded), "did not answer in time"},
		{errors.New("model list: server answered 500"), "server answered 500"},
	}
	for _, tc := range tests {
		if got := describeListError(tc.err); !strings.Contains(got, tc.want) {
			t.Errorf("describeListError(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestDescribeKeepError(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{keep.ErrUnavailable, "cannot keep models"},
		{fmt.Errorf("keep: x: %w", keep.ErrNotKept), "no longer kept"},
		{fmt.Errorf("keep: x: %w", &jspromise.Rejected{Name: "QuotaExceededError", Message: "quota"}), "not enough storage"},
		{errors.New("disk on fire"), "could not be kept: disk on fire"},
	}
	for _, tc := range tests {
		if got := describeKeepError(tc.err); !strings.Contains(got, tc.want) {
			t.Errorf("describeKeepError(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestParseModelURL(t *testing.T) {
	tests := []struct {
		raw, name, err string
	}{
		{"https://example.org/models/SmolLM2-135M-Q8_0.gguf", "SmolLM2-135M-Q8_0.gguf", ""},
		{"http://127.0.0.1:8081/m%20odel.gguf?download=1", "m odel.gguf", ""},
		{"https://example.org/", "example.org", ""},
		{"", "", "Enter the address"},
		{"ftp://example.org/m.gguf", "", "not a web address"},
		{"model.gguf", "", "not a web address"},
		{"https://", "", "not a web address"},
		{"http://[::1", "", "Enter the address"},
	}
	for _, tc := range tests {
		_, name, err := parseModelURL(tc.raw)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseModelURL(%q) = %v, want an error with %q", tc.raw, err, tc.err)
			}
			continue
		}
		if err != nil || name != tc.name {
			t.Errorf("parseModelURL(%q) = %q, %v; want %q", tc.raw, name, err, tc.name)
		}
	}
}

func TestSourcesRenderEachState(t *testing.T) {
	kept := []keep.Model{{Name: "stories260K.gguf", Size: 1185376}, {Name: "other.gguf", Size: 2048}}
	tests := []struct {
		name         string
		set          func(w *Workbench)
		want, absent []string
	}{
		{"controls", func(w *Workbench) {}, []string{
			`for="heed-open-file"`, `type="file"`, `accept=".gguf"`, `id="heed-open-file"`,
			"drop a .gguf file", `for="heed-model-url"`, `type="url"`, "Load from URL", "Kept models",
			`data-drop="none"`,
		}, []string{"heed-kept-models", "No models are kept", "Keep offline"}},
		{"dragging over", func(w *Workbench) { w.src.dragOver = true }, []string{`data-drop="over"`}, nil},
		{"nothing kept", func(w *Workbench) { w.src.kept.listed = true }, []string{"No models are kept on this device."}, nil},
		{"kept models", func(w *Workbench) {
			w.src.kept.listed, w.src.kept.models = true, kept
			w.src.kept.usage = keep.Usage{Used: 3 << 20, Quota: 10 << 30}
		}, []string{
			`aria-label="Load kept stories260K.gguf"`, `aria-label="Delete kept other.gguf"`, "1.13 MiB", "2.00 KiB",
			"uses 3.00 MiB of the 10.0 GiB",
		}, []string{"No models are kept"}},
		{"keeping", func(w *Workbench) {
			w.src.kept.saving = "stories260K.gguf"
			w.src.kept.progress = httprange.Progress{Fetched: 4 << 20, Size: 8 << 20}
		}, []string{"Keeping stories260K.gguf on this device: 4.00 MiB of 8.00 MiB", "<progress", "heed-keep-cancel"}, nil},
		{"keep error", func(w *Workbench) { w.src.kept.err = "There is not enough storage" },
			[]string{`role="alert"`, "not enough storage"}, nil},
		{"list offline", func(w *Workbench) {
			w.list, w.listErr = listError, describeListError(fmt.Errorf("%w: x", errUnreachable))
		}, []string{"you may be offline", "load a kept model below"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWorkbench()
			tc.set(w)
			checkHTML(t, goapp.HTMLString(w), tc.want, tc.absent)
		})
	}
}

// TestKeepOfflineOffersTheLoadedModel pins when Keep offline shows: for a
// loaded model read from somewhere else than the device's own storage, and
// not once a copy of it (same name and size) is kept.
func TestKeepOfflineOffersTheLoadedModel(t *testing.T) {
	w := loadedWorkbench(t)
	w.src.loaded, w.src.loadedSize = urlSource(w.sess.Card.Name, fromServer, "http://127.0.0.1:1/models/x"), 1185376
	checkHTML(t, goapp.HTMLString(w), []string{`aria-label="Keep ` + w.sess.Card.Name + ` offline"`}, nil)

	// Another file of the same name is not a copy: keeping replaces it.
	w.src.kept.models = []keep.Model{{Name: w.sess.Card.Name, Size: 99}}
	checkHTML(t, goapp.HTMLString(w), []string{`aria-label="Keep ` + w.sess.Card.Name + ` offline"`}, []string{"is kept on this device"})

	w.src.kept.models = []keep.Model{{Name: w.sess.Card.Name, Size: 1185376}}
	checkHTML(t, goapp.HTMLString(w), []string{"is kept on this device (1.13 MiB)", `aria-label="Load kept ` + w.sess.Card.Name}, []string{"Keep offline"})

	w.src.loaded = keptSource(w.sess.Card.Name)
	checkHTML(t, goapp.HTMLString(w), []string{">Loaded<"}, []string{"Keep offline", "is kept on this device"})
}

// FuzzParseModelURL: any typed text gives an error or an http(s) URL with a
// non-empty model name, never a panic.
func FuzzParseModelURL(f *testing.F) {
	for _, s := range []string{"https://example.org/m.gguf", "http://127.0.0.1:8080/", "", "::", "https://%zz", "javascript:alert(1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, name, err := parseModelURL(raw)
		if err != nil {
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || name == "" {
			t.Fatalf("parseModelURL(%q) = %v, %q", raw, u, name)
		}
	})
}
