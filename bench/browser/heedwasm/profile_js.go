//go:build js && wasm

package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"heed/engine/model"
)

// profiled wraps an executor and adds up the time of each operation, for
// the "profile" option of the page's config: where a forward pass spends its
// time in the browser. Timers in a page that is not cross-origin isolated
// tick in 100 µs steps, in an isolated one in 5 µs steps: profile there.
type profiled struct {
	model.Executor
	spent map[string]time.Duration
	calls map[string]int
}

func newProfiled(e model.Executor) *profiled {
	return &profiled{Executor: e, spent: map[string]time.Duration{}, calls: map[string]int{}}
}

func (p *profiled) time(op string, start time.Time) {
	p.spent[op] += time.Since(start)
	p.calls[op]++
}

func (p *profiled) reset() { clear(p.spent); clear(p.calls) }

func (p *profiled) report() string {
	var ops []string
	var total time.Duration
	for op, d := range p.spent {
		ops = append(ops, op)
		total += d
	}
	sort.Slice(ops, func(i, j int) bool { return p.spent[ops[i]] > p.spent[ops[j]] })
	var b strings.Builder
	fmt.Fprintf(&b, "total %v;", total.Round(time.Microsecond))
	for _, op := range ops {
		fmt.Fprintf(&b, " %s %v/%d", op, p.spent[op].Round(time.Microsecond), p.calls[op])
	}
	return b.String()
}

func (p *profiled) Read(b model.Buffer, off int, dst []float32) error {
	defer p.time("Read", time.Now())
	return p.Executor.Read(b, off, dst)
}
func (p *profiled) Copy(dst model.Buffer, dstOff int, src model.Buffer, srcOff, count int) {
	defer p.time("Copy", time.Now())
	p.Executor.Copy(dst, dstOff, src, srcOff, count)
}
func (p *profiled) Embed(dst model.Buffer, table model.Weight, ids []int32) {
	defer p.time("Embed", time.Now())
	p.Executor.Embed(dst, table, ids)
}
func (p *profiled) RMSNorm(dst, x model.Buffer, gain model.Weight, n int, eps float32) {
	defer p.time("RMSNorm", time.Now())
	p.Executor.RMSNorm(dst, x, gain, n, eps)
}
func (p *profiled) MatMul(dst model.Buffer, w model.Weight, x model.Buffer, n int) {
	defer p.time("MatMul", time.Now())
	p.Executor.MatMul(dst, w, x, n)
}
func (p *profiled) AddBias(dst model.Buffer, b model.Weight, n int) {
	defer p.time("AddBias", time.Now())
	p.Executor.AddBias(dst, b, n)
}
func (p *profiled) RoPE(x model.Buffer, n, heads int, pos int, r *model.Rope) {
	defer p.time("RoPE", time.Now())
	p.Executor.RoPE(x, n, heads, pos, r)
}
func (p *profiled) Attention(a *model.Attention) {
	defer p.time("Attention", time.Now())
	p.Executor.Attention(a)
}
func (p *profiled) SiLUMul(gate, up model.Buffer, count int) {
	defer p.time("SiLUMul", time.Now())
	p.Executor.SiLUMul(gate, up, count)
}
func (p *profiled) Add(dst, x model.Buffer, count int) {
	defer p.time("Add", time.Now())
	p.Executor.Add(dst, x, count)
}
