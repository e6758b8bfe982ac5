// Command page measures how the page starts: it serves the built app with
// bin/serve (as make serve does), runs Lighthouse 12.2.3 (pinned, installed
// by make test-deps) on it with the desktop and the mobile preset several
// times, and prints the median of each figure as a Markdown table for
// docs/bench.md.
//
//	go run ./bench/page [-runs 3] [-serve bin/serve]
//
// Lighthouse's mobile preset simulates a slow 4G link and a CPU 4× slower
// than this machine; the desktop preset neither. Timings depend on the
// machine's load: the table says when and where it was measured.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

func main() {
	runs := flag.Int("runs", 3, "Lighthouse runs per preset; the medians are reported")
	serve := flag.String("serve", "bin/serve", "the built server")
	tools := flag.String("tools", "testdata/cache/npm-page/node_modules", "where make test-deps installed lighthouse")
	chromium := flag.String("chromium", "/usr/bin/chromium", "the browser")
	flag.Parse()
	if err := run(*runs, *serve, *tools, *chromium); err != nil {
		fmt.Fprintln(os.Stderr, "bench/page:", err)
		os.Exit(1)
	}
}

// metrics are one Lighthouse run's figures.
type metrics struct {
	score                  map[string]float64
	lcp, tbt, cls, fcp, si float64 // ms, ms, unitless, ms, ms
}

func run(runs int, serve, tools, chromium string) error {
	lh := filepath.Join(tools, "lighthouse", "cli", "index.js")
	if _, err := os.Stat(lh); err != nil {
		return fmt.Errorf("%s missing: run make test-deps: %w", lh, err)
	}
	cache, err := os.MkdirTemp("", "heed-bench-page-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cache)
	srv := exec.Command(serve, "-addr", "127.0.0.1:0")
	srv.Env = append(os.Environ(), "HEED_CACHE_DIR="+cache)
	srv.Stderr = nil
	out, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		srv.Process.Signal(os.Interrupt)
		srv.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return fmt.Errorf("%s printed no address: %w", serve, err)
	}
	url := strings.TrimPrefix(strings.TrimSpace(line), "heed: serving ")
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("Lighthouse 12.2.3 on %s (%s), %d runs per preset, %s, %d CPUs, load average %s\n\n",
		url, time.Now().UTC().Format("2006-01-02 15:04 MST"), runs, runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(),
		strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Println("| preset | performance | LCP | TBT | CLS | FCP | Speed Index | accessibility | best practices | SEO |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, preset := range []string{"desktop", "mobile"} {
		var ms []metrics
		for i := range runs {
			m, err := lighthouse(lh, chromium, url, preset, i)
			if err != nil {
				return err
			}
			ms = append(ms, m)
		}
		med := func(f func(metrics) float64) float64 {
			xs := make([]float64, len(ms))
			for i, m := range ms {
				xs[i] = f(m)
			}
			sort.Float64s(xs)
			return xs[len(xs)/2]
		}
		score := func(c string) float64 { return med(func(m metrics) float64 { return m.score[c] }) }
		fmt.Printf("| %s | %.2f | %.2f s | %.0f ms | %.3f | %.2f s | %.2f s | %.2f | %.2f | %.2f |\n", preset,
			score("performance"), med(func(m metrics) float64 { return m.lcp })/1000, med(func(m metrics) float64 { return m.tbt }),
			med(func(m metrics) float64 { return m.cls }), med(func(m metrics) float64 { return m.fcp })/1000,
			med(func(m metrics) float64 { return m.si })/1000, score("accessibility"), score("best-practices"), score("seo"))
	}
	return nil
}

// lighthouse runs one audit of url with preset ("desktop" or "mobile").
func lighthouse(lh, chromium, url, preset string, i int) (metrics, error) {
	dir, err := os.MkdirTemp("", "heed-lh-")
	if err != nil {
		return metrics{}, err
	}
	defer os.RemoveAll(dir)
	report := filepath.Join(dir, "report.json")
	args := []string{lh, url, "--output=json", "--output-path=" + report, "--quiet",
		"--chrome-flags=--headless=new --no-sandbox --user-data-dir=" + filepath.Join(dir, "profile")}
	if preset == "desktop" {
		args = append(args, "--preset=desktop")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Env = append(os.Environ(), "CHROME_PATH="+chromium)
	if b, err := cmd.CombinedOutput(); err != nil {
		return metrics{}, fmt.Errorf("lighthouse %s run %d: %v\n%s", preset, i+1, err, b)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		return metrics{}, err
	}
	var r struct {
		Categories map[string]struct{ Score float64 }
		Audits     map[string]struct{ NumericValue float64 }
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return metrics{}, err
	}
	m := metrics{score: map[string]float64{}}
	for k, c := range r.Categories {
		m.score[k] = c.Score
	}
	m.lcp = r.Audits["largest-contentful-paint"].NumericValue
	m.tbt = r.Audits["total-blocking-time"].NumericValue
	m.cls = r.Audits["cumulative-layout-shift"].NumericValue
	m.fcp = r.Audits["first-contentful-paint"].NumericValue
	m.si = r.Audits["speed-index"].NumericValue
	fmt.Fprintf(os.Stderr, "%s run %d: performance %.2f, LCP %.0f ms, TBT %.0f ms, CLS %.3f\n", preset, i+1, m.score["performance"], m.lcp, m.tbt, m.cls)
	return m, nil
}
