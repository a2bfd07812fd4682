package exi

import (
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"
)

// Event is one event of a Decoder: its kind and, for EvSE, EvAT and EvCH,
// the element, attribute or datatype index.
type Event struct {
	Kind  EventKind
	Index int32
}

// Decoder reads an EXI stream event by event (a pull parser) with the
// schema-informed grammars of a Schema. It is what the generated typed
// code drives.
//
// After an EvAT or EvCH event the value must be read with the reader of its
// datatype (String, Bool, Binary, Int, Uint, BigInt, Enum) before Next is
// called again. Errors are sticky: the first is kept and every later call
// returns it (value readers then return zero values). Lengths are checked
// against the datatype's maxLength facet and the remaining input before
// anything is allocated, and nesting is bounded by Options.MaxDepth.
//
// Allocation: strings allocate their own memory (one allocation per
// non-empty string); AppendBinary copies into the caller's slice, so a
// reused destination does not allocate. Nothing returned aliases the
// input. A Decoder is reusable through Reset and not safe for concurrent
// use.
type Decoder struct {
	s     *Schema
	r     BitReader
	vt    valueTable
	names nameTable
	opt   Options
	err   error
	frag  bool
	done  bool
	st    frames
	vdt   int32
	vq    QName
	// sdepth counts the levels generated code entered without a frame.
	sdepth int
}

// Reset starts decoding the EXI document b with schema s and reads the
// header.
func (d *Decoder) Reset(s *Schema, b []byte, opt Options) { d.reset(s, b, opt, false) }

// ResetFragment starts decoding the EXI fragment b with schema s and reads
// the header.
func (d *Decoder) ResetFragment(s *Schema, b []byte, opt Options) { d.reset(s, b, opt, true) }

func (d *Decoder) reset(s *Schema, b []byte, opt Options, frag bool) {
	d.s, d.opt, d.err, d.frag, d.done, d.vdt, d.sdepth = s, opt, nil, frag, false, -1, 0
	d.vt.reset(opt)
	d.names.init(s)
	d.st.reset()
	d.r.Reset(b)
	h, err := d.r.ReadBits(8)
	if err != nil {
		d.err = err
		return
	}
	if byte(h) != Header {
		d.Fail(fmt.Errorf("%w: first byte 0x%02x, want 0x80", ErrHeader, h))
	}
}

// Err returns the first error, if any.
func (d *Decoder) Err() error { return d.err }

// Fail records err (as a *DecodeError at the current position) unless an
// error is already kept, and returns the kept error.
func (d *Decoder) Fail(err error) error {
	if d.err == nil {
		path := ""
		if d.st.depth > 0 {
			path = d.s.elementName(d.st.top().el)
		}
		d.err = &DecodeError{BitOffset: d.r.Pos(), Path: path, Err: err}
	}
	return d.err
}

// keep records an error returned by the bit reader.
func (d *Decoder) keep(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *Decoder) bits(n uint) uint64 {
	v, err := d.r.ReadBits(n)
	if err != nil {
		d.keep(err)
	}
	return v
}

func (d *Decoder) push(el int32) {
	if d.st.depth+d.sdepth >= d.opt.maxDepth() {
		d.Fail(ErrDepth)
		return
	}
	d.st.push(frame{c: cursor{g: &d.s.Grammars[d.s.Elements[el].Grammar]}, el: el})
}

// Next reads the next event. At the end of the stream it returns EvED.
func (d *Decoder) Next() (Event, error) {
	if d.err != nil {
		return Event{}, d.err
	}
	if d.vdt >= 0 {
		return Event{}, d.Fail(fmt.Errorf("%w: value not read", ErrUnexpected))
	}
	if d.st.depth == 0 {
		if d.done {
			return Event{Kind: EvED}, nil
		}
		list, width := d.s.Doc, uint(d.s.docWidth)
		if d.frag {
			list, width = d.s.Frag, uint(d.s.fragWidth)
		}
		code := d.bits(width)
		switch {
		case d.err != nil:
			return Event{}, d.err
		case code < uint64(len(list)):
			el := list[code]
			d.push(el)
			return Event{Kind: EvSE, Index: el}, d.err
		case d.frag && code == uint64(len(list))+1:
			d.done = true
			return Event{Kind: EvED}, nil
		case code == uint64(len(list)):
			return Event{}, d.Fail(fmt.Errorf("%w: SE(*) at the top level", ErrUnsupported))
		}
		return Event{}, d.Fail(ErrEventCode)
	}
	f := d.st.top()
	st := &f.c.g.States[f.c.state]
	np := len(st.Prods)
	code, ok := d.r.peek(uint(st.width))
	if ok {
		d.r.pos += int(st.width)
	} else {
		code = d.bits(uint(st.width))
		if d.err != nil {
			return Event{}, d.err
		}
	}
	if code > uint64(np) {
		return Event{}, d.Fail(ErrEventCode)
	}
	if code < uint64(np) {
		p := st.Prods[code]
		switch p.Kind {
		case EvEE:
			d.end()
			return Event{Kind: EvEE}, nil
		case EvSE:
			f.c.advance(p)
			d.push(p.Ref)
			return Event{Kind: EvSE, Index: p.Ref}, d.err
		case EvAT:
			f.c.advance(p)
			d.vdt, d.vq = d.s.Attributes[p.Ref].Type, d.s.Attributes[p.Ref].Name
			return Event{Kind: EvAT, Index: p.Ref}, nil
		case EvCH:
			f.c.advance(p)
			d.vdt, d.vq = p.Ref, d.s.Elements[f.el].Name
			return Event{Kind: EvCH, Index: p.Ref}, nil
		}
		return Event{}, d.Fail(fmt.Errorf("%w: %v event outside wildcard or mixed content", ErrUnsupported, p.Kind))
	}
	var buf [8]level2
	l2 := secondLevel(buf[:0], st)
	c2 := d.bits(uint(st.l2w))
	if d.err != nil {
		return Event{}, d.err
	}
	if c2 >= uint64(len(l2)) {
		return Event{}, d.Fail(ErrEventCode)
	}
	if l2[c2] != l2EE {
		return Event{}, d.Fail(fmt.Errorf("%w: undeclared (second-level) event", ErrUnsupported))
	}
	d.end()
	return Event{Kind: EvEE}, nil
}

func (d *Decoder) end() {
	d.st.pop()
	if d.st.depth == 0 && !d.frag {
		d.done = true
	}
}

// Root reads the first event and checks that it starts element el.
func (d *Decoder) Root(el int32) error {
	ev, err := d.Next()
	if err != nil {
		return err
	}
	if ev.Kind != EvSE || ev.Index != el {
		return d.Fail(fmt.Errorf("%w: root element %s, want %s", ErrUnexpected, d.s.elementName(ev.Index), d.s.elementName(el)))
	}
	return nil
}

// Unexpected records an event the caller has no place for.
func (d *Decoder) Unexpected(ev Event) error {
	return d.Fail(fmt.Errorf("%w: event %d/%d", ErrUnexpected, ev.Kind, ev.Index))
}

// End reads the next event and checks that it is EE.
func (d *Decoder) End() error {
	ev, err := d.Next()
	if err != nil {
		return err
	}
	if ev.Kind != EvEE {
		return d.Unexpected(ev)
	}
	return nil
}

// Finish checks that the stream is complete (for a fragment, it reads the
// ED event) and that only zero padding follows.
func (d *Decoder) Finish() error {
	if d.err != nil {
		return d.err
	}
	if d.frag && !d.done && d.st.depth == 0 {
		if ev, err := d.Next(); err != nil {
			return err
		} else if ev.Kind != EvED {
			return d.Fail(fmt.Errorf("%w: more than one fragment element", ErrUnexpected))
		}
	}
	if d.st.depth != 0 || !d.done {
		return d.Fail(ErrTruncated)
	}
	rem := d.r.Remaining()
	if rem >= 8 {
		return d.Fail(ErrTrailingData)
	}
	if rem > 0 && d.bits(uint(rem)) != 0 {
		return d.Fail(ErrTrailingData)
	}
	return d.err
}

func (d *Decoder) value() *Datatype {
	if d.err != nil {
		return nil
	}
	if d.vdt < 0 {
		d.Fail(fmt.Errorf("%w: value read without AT or CH", ErrUnexpected))
		return nil
	}
	dt := &d.s.Types[d.vdt]
	d.vdt = -1
	return dt
}

func (d *Decoder) wrongKind(dt *Datatype, what string) {
	d.Fail(fmt.Errorf("%w: %s read of %s", ErrValue, what, dt.Name))
}

func (d *Decoder) uvar() uint64 {
	if d.err != nil {
		return 0
	}
	v, err := d.r.ReadUint()
	if err != nil {
		d.keep(err)
	}
	return v
}

// String reads a string value (or an enumeration's literal).
func (d *Decoder) String() string {
	dt := d.value()
	if dt == nil {
		return ""
	}
	switch dt.Kind {
	case TString:
		return d.stringValue(dt.MaxLen)
	case TEnum:
		i := d.bits(uint(dt.Bits))
		if d.err == nil && i >= uint64(len(dt.Enum)) {
			d.Fail(ErrOutOfRange)
		}
		if d.err != nil {
			return ""
		}
		return dt.Enum[i]
	}
	d.wrongKind(dt, "string")
	return ""
}

func (d *Decoder) stringValue(maxLen int32) string {
	v := d.uvar()
	if d.err != nil {
		return ""
	}
	if v < 2 {
		s, err := d.vt.readHit(&d.r, d.vq, v == 1)
		if err != nil {
			d.keep(err)
		}
		return s
	}
	n := v - 2
	if maxLen >= 0 && n > uint64(maxLen) {
		d.Fail(ErrTooLong)
		return ""
	}
	if n > uint64(d.r.Remaining()/8) {
		d.Fail(ErrTruncated)
		return ""
	}
	if n == 0 {
		return ""
	}
	var scratch [64]byte
	buf := scratch[:0]
	for range n {
		c := d.uvar()
		if d.err != nil {
			return ""
		}
		if c > utf8.MaxRune || (c >= 0xD800 && c <= 0xDFFF) {
			d.Fail(ErrValue)
			return ""
		}
		buf = utf8.AppendRune(buf, rune(c))
	}
	s := string(buf)
	d.vt.add(d.vq, s, int(n))
	return s
}

// Bool reads a Boolean value.
func (d *Decoder) Bool() bool {
	dt := d.value()
	if dt == nil {
		return false
	}
	if dt.Kind != TBoolean {
		d.wrongKind(dt, "boolean")
		return false
	}
	return d.bits(1) == 1
}

// AppendBinary reads a binary value and appends its octets to dst. The
// result never aliases the input. A present but empty value gives a
// non-nil empty slice.
func (d *Decoder) AppendBinary(dst []byte) []byte {
	dt := d.value()
	if dt == nil {
		return dst
	}
	if dt.Kind != THexBinary && dt.Kind != TBase64 {
		d.wrongKind(dt, "binary")
		return dst
	}
	n := d.uvar()
	if d.err != nil {
		return dst
	}
	if dt.MaxLen >= 0 && n > uint64(dt.MaxLen) {
		d.Fail(ErrTooLong)
		return dst
	}
	if n > uint64(d.r.Remaining()/8) {
		d.Fail(ErrTruncated)
		return dst
	}
	if dst == nil {
		dst = make([]byte, 0, n)
	}
	if d.r.pos&7 == 0 {
		i := d.r.pos >> 3
		dst = append(dst, d.r.buf[i:i+int(n)]...)
		d.r.pos += int(n) * 8
		return dst
	}
	for range n {
		dst = append(dst, byte(d.bits(8)))
	}
	return dst
}

// Enum reads an enumeration value as its index in Datatype.Enum.
func (d *Decoder) Enum() int {
	dt := d.value()
	if dt == nil {
		return 0
	}
	if dt.Kind != TEnum {
		d.wrongKind(dt, "enumeration")
		return 0
	}
	i := d.bits(uint(dt.Bits))
	if d.err == nil && i >= uint64(len(dt.Enum)) {
		d.Fail(ErrOutOfRange)
		return 0
	}
	return int(i)
}

// Int reads an integer value that fits int64 and the datatype's range
// facets.
func (d *Decoder) Int() int64 {
	dt := d.value()
	if dt == nil {
		return 0
	}
	var v int64
	switch dt.Kind {
	case TNBit:
		v = dt.Min + int64(d.bits(uint(dt.Bits)))
	case TUnsigned:
		u := d.uvar()
		if u > math.MaxInt64 {
			d.Fail(ErrOverflow)
			return 0
		}
		v = int64(u)
	case TInteger:
		neg := d.bits(1) == 1
		u := d.uvar()
		if u > math.MaxInt64 {
			d.Fail(ErrOverflow)
			return 0
		}
		v = int64(u)
		if neg {
			v = -v - 1
		}
	default:
		d.wrongKind(dt, "integer")
		return 0
	}
	if d.err != nil {
		return 0
	}
	if (dt.HasMin && v < dt.Min) || (dt.HasMax && v > dt.Max) {
		d.Fail(ErrOutOfRange)
		return 0
	}
	return v
}

// Uint reads a non-negative integer value that fits uint64.
func (d *Decoder) Uint() uint64 {
	if d.vdt >= 0 && d.err == nil && d.s.Types[d.vdt].Kind == TUnsigned && !d.s.Types[d.vdt].HasMax {
		dt := d.value()
		u := d.uvar()
		if d.err == nil && dt.HasMin && dt.Min > 0 && u < uint64(dt.Min) {
			d.Fail(ErrOutOfRange)
			return 0
		}
		return u
	}
	v := d.Int()
	if v < 0 {
		d.Fail(ErrOutOfRange)
		return 0
	}
	return uint64(v)
}

// BigInt reads an integer value of any size.
func (d *Decoder) BigInt() *big.Int {
	dt := d.value()
	if dt == nil {
		return nil
	}
	nd := nodeDecoder{s: d.s, r: d.r}
	var v *big.Int
	switch dt.Kind {
	case TNBit:
		v = big.NewInt(dt.Min + int64(d.bits(uint(dt.Bits))))
		return v
	case TUnsigned:
		x, err := nd.r.readBigUint()
		d.r = nd.r
		d.keep(err)
		v = x
	case TInteger:
		neg := d.bits(1) == 1
		nd.r = d.r
		x, err := nd.r.readBigUint()
		d.r = nd.r
		d.keep(err)
		if err == nil && neg {
			x.Add(x, big.NewInt(1))
			x.Neg(x)
		}
		v = x
	default:
		d.wrongKind(dt, "integer")
		return nil
	}
	if d.err != nil {
		return nil
	}
	return v
}

// Content decodes the rest of the open element (attributes not yet read,
// children, character data) as Nodes, through its EE. It is how the
// generated code reads wildcard and mixed content. Text before the first
// child element is returned as a leading text Node.
func (d *Decoder) Content() []*Node {
	if d.err != nil || d.st.depth == 0 {
		return nil
	}
	f := d.st.top()
	decl := &d.s.Elements[f.el]
	nd := &nodeDecoder{s: d.s, r: d.r, vt: d.vt, opt: d.opt, names: d.names, depth: d.st.depth + d.sdepth}
	n := &Node{}
	err := nd.content(n, decl.Name, &f.c)
	d.r, d.vt, d.names = nd.r, nd.vt, nd.names
	if err != nil {
		d.keep(err)
		return nil
	}
	d.end()
	kids := n.Kids
	if n.Text != "" {
		kids = append([]*Node{{Text: n.Text}}, kids...)
	}
	return kids
}

// NextAttribute reads the next event when it is a declared attribute and
// returns its index; otherwise it leaves the stream where it was and
// returns false. It lets the generated code read the typed attributes of an
// element whose content is then read with Content.
func (d *Decoder) NextAttribute() (int32, bool) {
	if d.err != nil || d.vdt >= 0 || d.st.depth == 0 {
		return 0, false
	}
	f := d.st.top()
	st := &f.c.g.States[f.c.state]
	pos := d.r.pos
	code, err := d.r.ReadBits(uint(st.width))
	if err != nil || code >= uint64(len(st.Prods)) || st.Prods[code].Kind != EvAT {
		d.r.pos = pos
		return 0, false
	}
	p := st.Prods[code]
	f.c.advance(p)
	d.vdt, d.vq = d.s.Attributes[p.Ref].Type, d.s.Attributes[p.Ref].Name
	return p.Ref, true
}

// Helpers for elements of simple type, called after their SE: CH and
// value, then EE.

// simpleText reads the CH of an element whose SE was just read, when its
// grammar is a simple type's and the next event code is that CH; the
// value must follow, then simpleEnd. Otherwise it reads nothing and
// reports false.
func (d *Decoder) simpleText() bool {
	if d.err != nil || d.vdt >= 0 || d.st.depth == 0 {
		return false
	}
	f := d.st.top()
	g := f.c.g
	if !g.simple || f.c.state != 0 {
		return false
	}
	if c, ok := d.r.peek(uint(g.chWidth)); !ok || c != uint64(g.chCode) {
		return false
	}
	d.r.pos += int(g.chWidth)
	f.c.state, f.c.count = g.chNext, 0
	d.vdt, d.vq = g.chRef, d.s.Elements[f.el].Name
	return true
}

// simpleEnd reads the EE after the value of simpleText, through the
// general path when the event code is not that EE.
func (d *Decoder) simpleEnd() {
	if d.err != nil {
		return
	}
	f := d.st.top()
	g := f.c.g
	if f.c.state == g.chNext {
		if c, ok := d.r.peek(uint(g.eeWidth)); ok && c == uint64(g.eeCode) {
			d.r.pos += int(g.eeWidth)
			d.end()
			return
		}
	}
	d.End()
}

func (d *Decoder) text() bool {
	ev, err := d.Next()
	if err != nil {
		return false
	}
	switch ev.Kind {
	case EvCH:
		return true
	case EvEE:
		return false
	}
	d.Unexpected(ev)
	return false
}

func (d *Decoder) needText() bool {
	if d.text() {
		return true
	}
	if d.err == nil {
		d.Fail(fmt.Errorf("%w: empty element where a value is required", ErrValue))
	}
	return false
}

// ElementString reads string content (empty for an element without
// character data) and the EE.
func (d *Decoder) ElementString() string {
	if d.simpleText() {
		v := d.String()
		d.simpleEnd()
		return v
	}
	if !d.text() {
		return ""
	}
	s := d.String()
	d.End()
	return s
}

// ElementBool reads Boolean content and the EE.
func (d *Decoder) ElementBool() bool {
	if d.simpleText() {
		v := d.Bool()
		d.simpleEnd()
		return v
	}
	if !d.needText() {
		return false
	}
	v := d.Bool()
	d.End()
	return v
}

// ElementBinary reads binary content, appended to dst, and the EE. An
// element without character data is an empty, non-nil value.
func (d *Decoder) ElementBinary(dst []byte) []byte {
	if d.simpleText() {
		v := d.AppendBinary(dst)
		d.simpleEnd()
		return v
	}
	if !d.text() {
		if dst == nil {
			dst = []byte{}
		}
		return dst
	}
	v := d.AppendBinary(dst)
	d.End()
	return v
}

// ElementInt reads integer content and the EE.
func (d *Decoder) ElementInt() int64 {
	if d.simpleText() {
		v := d.Int()
		d.simpleEnd()
		return v
	}
	if !d.needText() {
		return 0
	}
	v := d.Int()
	d.End()
	return v
}

// ElementUint reads non-negative integer content and the EE.
func (d *Decoder) ElementUint() uint64 {
	if d.simpleText() {
		v := d.Uint()
		d.simpleEnd()
		return v
	}
	if !d.needText() {
		return 0
	}
	v := d.Uint()
	d.End()
	return v
}

// ElementBigInt reads integer content of any size and the EE.
func (d *Decoder) ElementBigInt() *big.Int {
	if !d.needText() {
		return nil
	}
	v := d.BigInt()
	d.End()
	return v
}

// ElementEnum reads enumeration content and the EE.
func (d *Decoder) ElementEnum() int {
	if d.simpleText() {
		v := d.Enum()
		d.simpleEnd()
		return v
	}
	if !d.needText() {
		return 0
	}
	v := d.Enum()
	d.End()
	return v
}
