package webgpu

import "github.com/cogentcore/webgpu/wgpu"

// A forward step records the same kernels over the same buffers with mostly the same params
// every token; only position-dependent params (RoPE, attention, Influence) change. Creating a
// uniform buffer and a bind group per dispatch costs more host time than a small kernel takes
// on a real GPU, so dispatches reuse them: the cache maps (kernel, params bytes, buffers) to a
// uniform buffer holding those params and a bind group over those buffers. Uniform buffers are
// written once, at creation, so a reused one always holds its key's params.
//
// Entries not used for bindKeepSteps submitted steps are released; so are those of a buffer
// when the buffer is released (Buffer.Release).

// bindKeepSteps is how many submits an unused entry survives: enough for every entry a decode
// step reuses, few enough that position-dependent entries do not pile up.
const bindKeepSteps = 4

// maxBindings bounds the storage buffers of one kernel (attention binds 7).
const maxBindings = 8

type bindKey struct {
	p      *pipeline
	params string
	bufs   [maxBindings]*Buffer
}

type bindEntry struct {
	uni     *wgpu.Buffer
	group   *wgpu.BindGroup
	lastUse uint64 // the submit generation of the step that last bound it
}

type bindCache struct {
	entries map[bindKey]*bindEntry
	gen     uint64 // submits so far
}

func (e *bindEntry) release() {
	e.group.Release()
	e.uni.Release()
}

// lookup returns the entry for k, marking it used, or nil. The caller holds d.mu.
func (c *bindCache) lookup(k bindKey) *bindEntry {
	e := c.entries[k]
	if e != nil {
		e.lastUse = c.gen
	}
	return e
}

// add stores a new entry. The caller holds d.mu.
func (c *bindCache) add(k bindKey, e *bindEntry) {
	if c.entries == nil {
		c.entries = map[bindKey]*bindEntry{}
	}
	e.lastUse = c.gen
	c.entries[k] = e
}

// submitted advances the generation and releases entries unused for bindKeepSteps submits.
// Recorded command buffers keep what they bind alive, so releasing here is safe. The caller
// holds d.mu.
func (c *bindCache) submitted() {
	c.gen++
	for k, e := range c.entries {
		if c.gen-e.lastUse > bindKeepSteps {
			e.release()
			delete(c.entries, k)
		}
	}
}

// forget releases the entries that bind b. The caller holds d.mu.
func (c *bindCache) forget(b *Buffer) {
	for k, e := range c.entries {
		for _, kb := range k.bufs {
			if kb == b {
				e.release()
				delete(c.entries, k)
				break
			}
		}
	}
}

// clear releases every entry. The caller holds d.mu.
func (c *bindCache) clear() {
	for k, e := range c.entries {
		e.release()
		delete(c.entries, k)
	}
}
