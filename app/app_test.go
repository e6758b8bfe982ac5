package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"heed/internal/server/api"
)

func TestFetchModels(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc(api.ModelsPath, func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("X-Test") {
		case "fail":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "garbage":
			w.Write([]byte("{not json"))
		default:
			w.Write([]byte(`{"models":[{"name":"a.gguf","size":3,"sha256":"pending","default":true}]}`))
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	page, _ := url.Parse(srv.URL + "/some/page?x=1")

	tests := []struct {
		name, mode string
		wantErr    string
		want       []api.Model
	}{
		{"ok", "", "", []api.Model{{Name: "a.gguf", Size: 3, SHA256: "pending", Default: true}}},
		{"server error", "fail", "500", nil},
		{"bad JSON", "garbage", "invalid character", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client := &http.Client{Transport: headerTransport{"X-Test", tc.mode}}
			got, err := fetchModels(context.Background(), client, page)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(got) != 1 || got[0] != tc.want[0] {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

// headerTransport adds one header to every request.
type headerTransport struct{ name, value string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return http.DefaultTransport.RoundTrip(r)
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1.00 KiB"},
		{1185376, "1.13 MiB"},
		{15 << 20, "15.0 MiB"},
		{4370000000, "4.07 GiB"},
		{700 << 30, "700 GiB"},
		{1 << 62, "4.00 EiB"},
	}
	for _, tc := range tests {
		if got := formatSize(tc.n); got != tc.want {
			t.Errorf("formatSize(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
