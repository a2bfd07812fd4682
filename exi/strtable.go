package exi

// Unbounded is the value of Options.ValuePartitionCapacity and
// Options.ValueMaxLength that sets no limit.
const Unbounded = -1

// Options are the EXI options that change the coding of a stream. The zero
// value is the ISO 15118 profile: valuePartitionCapacity 0 ([V2G20-099]), so
// no string value is ever added to the string table.
type Options struct {
	// ValuePartitionCapacity bounds the global value partition (§7.3.3).
	// 0 disables the value partitions; Unbounded removes the bound.
	ValuePartitionCapacity int
	// ValueMaxLength is the longest string value that is added to the value
	// partitions; Unbounded removes the bound. It has no effect while
	// ValuePartitionCapacity is 0.
	ValueMaxLength int
	// MaxDepth bounds element nesting on decode; 0 means DefaultMaxDepth.
	MaxDepth int
}

// DefaultMaxDepth is the nesting limit when Options.MaxDepth is 0. The
// deepest ISO 15118 message nests about a dozen levels.
const DefaultMaxDepth = 64

// UnboundedStringTable returns options with EXI's own defaults for the
// string table: unbounded capacity and length. These are the options of the
// shared EXIficient corpus, not of ISO 15118.
func UnboundedStringTable() Options {
	return Options{ValuePartitionCapacity: Unbounded, ValueMaxLength: Unbounded}
}

func (o Options) maxDepth() int {
	if o.MaxDepth <= 0 {
		return DefaultMaxDepth
	}
	return o.MaxDepth
}

// valueTable holds the value partitions of one stream (§7.3.3).
type valueTable struct {
	capacity int // < 0 unbounded
	maxLen   int // < 0 unbounded
	global   []globalEntry
	globalID int
	gindex   map[string]int
	local    map[QName]*localPart
}

type globalEntry struct {
	s     string
	owner *localPart
	lid   int
}

type localPart struct {
	vals  []string
	valid []bool
	index map[string]int
}

func (t *valueTable) reset(o Options) {
	t.capacity = o.ValuePartitionCapacity
	t.maxLen = o.ValueMaxLength
	t.global = t.global[:0]
	t.globalID = 0
	if t.enabled() {
		t.gindex = map[string]int{}
		t.local = map[QName]*localPart{}
	} else {
		t.gindex = nil
		t.local = nil
	}
}

func (t *valueTable) enabled() bool { return t.capacity != 0 }

func (t *valueTable) part(q QName, create bool) *localPart {
	p := t.local[q]
	if p == nil && create {
		p = &localPart{index: map[string]int{}}
		t.local[q] = p
	}
	return p
}

// add records a literal value after it was coded, when the options allow.
func (t *valueTable) add(q QName, s string, nchars int) {
	if !t.enabled() || nchars == 0 || (t.maxLen >= 0 && nchars > t.maxLen) {
		return
	}
	p := t.part(q, true)
	lid := len(p.vals)
	p.vals = append(p.vals, s)
	p.valid = append(p.valid, true)
	if _, dup := p.index[s]; !dup {
		p.index[s] = lid
	}
	e := globalEntry{s: s, owner: p, lid: lid}
	if t.capacity < 0 || len(t.global) < t.capacity {
		t.global = append(t.global, e)
		t.gindex[s] = len(t.global) - 1
		t.globalID = len(t.global)
		if t.capacity > 0 && t.globalID == t.capacity {
			t.globalID = 0
		}
		return
	}
	old := t.global[t.globalID]
	old.owner.valid[old.lid] = false
	if i, ok := old.owner.index[old.s]; ok && i == old.lid {
		delete(old.owner.index, old.s)
	}
	if i, ok := t.gindex[old.s]; ok && i == t.globalID {
		delete(t.gindex, old.s)
	}
	t.global[t.globalID] = e
	t.gindex[s] = t.globalID
	t.globalID++
	if t.globalID == t.capacity {
		t.globalID = 0
	}
}

// readHit reads the compact identifier of a value hit, local (after the
// length prefix 0) or global (after 1), and returns the value. A reference
// to no entry, or to one that eviction left unassigned, is ErrStringTableRef.
func (t *valueTable) readHit(r *BitReader, q QName, global bool) (string, error) {
	if !t.enabled() {
		return "", r.errAt(ErrStringTableRef)
	}
	if global {
		id, err := r.ReadBits(bitsFor(len(t.global)))
		if err != nil {
			return "", err
		}
		if int(id) >= len(t.global) {
			return "", r.errAt(ErrStringTableRef)
		}
		return t.global[id].s, nil
	}
	p := t.part(q, false)
	if p == nil {
		return "", r.errAt(ErrStringTableRef)
	}
	id, err := r.ReadBits(bitsFor(len(p.vals)))
	if err != nil {
		return "", err
	}
	if int(id) >= len(p.vals) || !p.valid[id] {
		return "", r.errAt(ErrStringTableRef)
	}
	return p.vals[id], nil
}
