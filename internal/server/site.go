package server

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/internal/server/api"
)

// SiteConfig is what WriteSite needs.
type SiteConfig struct {
	WebDir string // the built app, as for Config
	// Base is the path the site is served from: "/" for a host's root,
	// "/heed" for a GitHub Pages project site at https://user.github.io/heed/.
	Base string
	// DefaultModel, DefaultModelFile: a model to ship with the site (the
	// default model, MIT-licensed), listed as the default; empty for none.
	DefaultModel, DefaultModelFile, DefaultModelSHA256 string
	FirstScreen                                        string // as for Config
}

// WriteSite writes the page as a static site into dir, for any static host
// that answers Range requests (GitHub Pages, Netlify, nginx, Go's
// http.FileServer): index.html rendered as the server renders it (the first
// screen included), go-app's loader, worker and manifest, the web directory
// without its precompressed copies (hosts compress themselves), the shipped
// model under models/ and its listing at api/models. Visitors load other
// models from a URL or a local file.
func WriteSite(cfg SiteConfig, dir string) error {
	assets, err := OpenAssets(cfg.WebDir)
	if err != nil {
		return err
	}
	defer assets.Close()
	h, err := appHandler(assets, cfg.FirstScreen, cfg.Base)
	if err != nil {
		return err
	}
	// No server sends the page's policy on a static host: the page carries it.
	h.RawHeaders = append(h.RawHeaders, `<meta http-equiv="Content-Security-Policy" content="`+siteCSP+`">`)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := app.GenerateStaticWebsite(dir, h); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	index := filepath.Join(dir, "index.html")
	page, err := os.ReadFile(index)
	if err != nil {
		return err
	}
	if err := os.WriteFile(index, fixBooleans(page), 0o644); err != nil {
		return err
	}
	if err := copyWeb(cfg.WebDir, filepath.Join(dir, "web")); err != nil {
		return err
	}
	models := []api.Model{}
	if cfg.DefaultModelFile != "" {
		m, err := OpenModels("", cfg.DefaultModel, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			return err
		}
		m.AddFile(cfg.DefaultModel, cfg.DefaultModelFile, cfg.DefaultModelSHA256)
		models, err = m.List()
		m.Close()
		if err != nil {
			return err
		}
		if err := copyFile(cfg.DefaultModelFile, filepath.Join(dir, "models", cfg.DefaultModel)); err != nil {
			return err
		}
	}
	b, err := json.Marshal(api.Models{Models: models})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "api"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "api", "models"), append(b, '\n'), 0o644)
}

// siteCSP is ContentSecurityPolicy as a page may carry it in a meta
// element, which cannot set frame-ancestors.
var siteCSP = strings.TrimSuffix(strings.ReplaceAll(ContentSecurityPolicy, "; frame-ancestors 'none'", ""), ";")

// copyWeb copies the web directory's files, not its hidden files nor the
// precompressed copies.
func copyWeb(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if rel != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() || isSibling(rel) || d.Name() == "README.md" {
			return nil
		}
		return copyFile(path, filepath.Join(dst, rel))
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
