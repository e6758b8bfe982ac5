package server

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	loadFileSize = 200 << 20
	loadClients  = 200
	loadRequests = 2000             // in all; the test stops at this count...
	loadBudget   = 15 * time.Second // ...or at this time, whichever comes first
	maxRangeLen  = 1 << 20
	// Buffering even one range per client would hold up to 200 MB; serving
	// through sendfile holds a few KB per connection (bufio buffers), so 64 MB
	// of growth at the peak is generous and still proves nothing is buffered.
	maxHeapGrowth = 64 << 20
	// After the run (idle connections closed, GC) the heap returns to its start.
	maxHeapLeft = 8 << 20
)

// writePatternFile writes n bytes of pattern to path in 1 MB chunks.
func writePatternFile(t testing.TB, path string, n int64) {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for off := int64(0); off < n; off += int64(len(buf)) {
		for i := 0; i < len(buf); i += 8 {
			binary.LittleEndian.PutUint64(buf[i:], uint64((off+int64(i))/8)*0x9E3779B97F4A7C15)
		}
		if _, err := out.Write(buf[:min(int64(len(buf)), n-off)]); err != nil {
			t.Fatal(err)
		}
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkStream reads want bytes from r and compares each with pattern(off+i)
// without holding more than one buffer.
func checkStream(r io.Reader, off, want int64, buf []byte) error {
	var got int64
	for {
		n, err := r.Read(buf)
		for i := 0; i < n; i++ {
			if buf[i] != pattern(off+got+int64(i)) {
				return fmt.Errorf("byte %d differs", off+got+int64(i))
			}
		}
		got += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if got != want {
		return fmt.Errorf("%d bytes, want %d", got, want)
	}
	return nil
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestLoadRandomRanges: 200 concurrent clients read random ranges of a 200 MB
// file over loopback. Every byte is checked, no request may fail, and the
// heap must stay flat.
func TestLoadRandomRanges(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	f := newFixture(t, Config{})
	writePatternFile(t, filepath.Join(f.models, "load.gguf"), loadFileSize)

	tr := &http.Transport{MaxIdleConnsPerHost: loadClients, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: loadBudget}
	runtime.GC()
	base := heapInUse()
	var peak atomic.Uint64
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-sampling:
				return
			case <-tick.C:
				if h := heapInUse(); h > peak.Load() {
					peak.Store(h)
				}
			}
		}
	}()

	var issued, done, bytesRead atomic.Int64
	var mu sync.Mutex
	var errs []error
	stopAt := time.Now().Add(loadBudget)
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < loadClients; c++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 42))
			buf := make([]byte, 32<<10)
			for time.Now().Before(stopAt) && issued.Add(1) <= loadRequests {
				from, to, header := randomRange(rng)
				err := fetchRange(client, f.base+"/models/load.gguf", header, from, to, buf)
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("%s: %w", header, err))
					mu.Unlock()
					continue
				}
				done.Add(1)
				bytesRead.Add(to - from)
			}
		}(uint64(c))
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(sampling)
	<-sampled
	tr.CloseIdleConnections()

	if len(errs) > 0 {
		t.Fatalf("%d of %d requests failed; first: %v", len(errs), len(errs)+int(done.Load()), errs[0])
	}
	if done.Load() < loadClients {
		t.Fatalf("only %d requests completed in %v", done.Load(), loadBudget)
	}
	t.Logf("%d range requests, %d clients, %.0f MB in %v (%.0f MB/s), heap peak +%.1f MB",
		done.Load(), loadClients, float64(bytesRead.Load())/1e6, elapsed.Round(time.Millisecond),
		float64(bytesRead.Load())/1e6/elapsed.Seconds(), float64(int64(peak.Load())-int64(base))/1e6)
	if growth := int64(peak.Load()) - int64(base); growth > maxHeapGrowth {
		t.Errorf("heap grew by %d MB under load, limit %d MB", growth>>20, maxHeapGrowth>>20)
	}
	// Idle server connections close asynchronously after the client's do.
	var after int64
	for i := 0; i < 20; i++ {
		runtime.GC()
		if after = int64(heapInUse()) - int64(base); after <= maxHeapLeft {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if after > maxHeapLeft {
		t.Errorf("heap %d MB above its start after the run, limit %d MB", after>>20, maxHeapLeft>>20)
	}
}

// randomRange picks a range of the load file: mostly "a-b", some suffix and
// open-ended ones near the end; [from, to) is what the response must hold.
func randomRange(rng *rand.Rand) (from, to int64, header string) {
	n := 1 + rng.Int64N(maxRangeLen)
	switch rng.IntN(10) {
	case 0:
		return loadFileSize - n, loadFileSize, "bytes=-" + strconv.FormatInt(n, 10)
	case 1:
		from = loadFileSize - n
		return from, loadFileSize, "bytes=" + strconv.FormatInt(from, 10) + "-"
	default:
		from = rng.Int64N(loadFileSize)
		to = min(from+n, loadFileSize)
		return from, to, "bytes=" + strconv.FormatInt(from, 10) + "-" + strconv.FormatInt(to-1, 10)
	}
}

func fetchRange(client *http.Client, url, rng string, from, to int64, buf []byte) error {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Range", rng)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent {
		return errors.New(resp.Status)
	}
	want := fmt.Sprintf("bytes %d-%d/%d", from, to-1, loadFileSize)
	if got := resp.Header.Get("Content-Range"); got != want {
		return fmt.Errorf("Content-Range %q, want %q", got, want)
	}
	return checkStream(resp.Body, from, to-from, buf)
}
