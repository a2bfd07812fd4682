package exi

import (
	"encoding/binary"
	"fmt"
	"math/big"
)

// This file holds the entry points of generated code that resolves event
// codes from the grammar at generation time: it writes the codes itself
// and the values through the Put methods, and uses the frame stack only
// around content coded through the general path.

// CodeWidths reports the width in bits of a first-level event code of st
// and of a second-level one.
func (st *State) CodeWidths() (first, second uint) {
	var buf [8]level2
	return bitsFor(len(st.Prods) + 1), bitsFor(len(secondLevel(buf[:0], st)))
}

// Code writes an event code of n bits.
func (e *Encoder) Code(v uint64, n uint) { e.w.WriteBits(v, n) }

// Enter opens element el, whose SE the caller has written, for coding
// through the general path (StartElement, Attribute, Content, EndElement
// inside it).
func (e *Encoder) Enter(el int32) {
	if !e.ready() {
		return
	}
	if e.st.depth >= e.opt.maxDepth() {
		e.Fail(ErrDepth)
		return
	}
	e.st.push(frame{c: cursor{g: &e.s.Grammars[e.s.Elements[el].Grammar]}, el: el})
}

// Leave closes the open element, whose EE the caller has written.
func (e *Encoder) Leave() {
	if e.err != nil {
		return
	}
	if e.st.depth == 0 {
		e.Fail(ErrUnexpected)
		return
	}
	e.st.pop()
	if e.st.depth == 0 && !e.frag {
		e.done = true
	}
}

// PutString writes a value of datatype dt (an index into Schema.Types),
// a string or an enumeration's literal; q names the string-table partition
// (the element of character data or the attribute).
func (e *Encoder) PutString(dt int32, q QName, s string) {
	if e.err == nil {
		e.vq = q
		e.keep(e.putString(&e.s.Types[dt], s))
	}
}

// PutBool writes a Boolean value of datatype dt.
func (e *Encoder) PutBool(dt int32, b bool) {
	if e.err == nil {
		e.keep(e.putBool(&e.s.Types[dt], b))
	}
}

// PutBinary writes a binary value of datatype dt.
func (e *Encoder) PutBinary(dt int32, b []byte) {
	if e.err == nil {
		e.keep(e.putBinary(&e.s.Types[dt], b))
	}
}

// PutEnum writes the enumeration value of index i of datatype dt.
func (e *Encoder) PutEnum(dt int32, i int) {
	if e.err == nil {
		e.keep(e.putEnum(&e.s.Types[dt], i))
	}
}

// PutInt writes an integer value of datatype dt.
func (e *Encoder) PutInt(dt int32, v int64) {
	if e.err == nil {
		e.keep(e.putInt(&e.s.Types[dt], v))
	}
}

// PutUint writes a non-negative integer value of datatype dt.
func (e *Encoder) PutUint(dt int32, v uint64) {
	if e.err == nil {
		e.keep(e.putUint(&e.s.Types[dt], v))
	}
}

// PutBigInt writes an integer value of any size of datatype dt.
func (e *Encoder) PutBigInt(dt int32, v *big.Int) {
	if e.err == nil {
		e.vdt = dt
		e.BigInt(v)
	}
}

// SecondLevel reports the number of second-level entries of st and
// whether EE is the first of them.
func (st *State) SecondLevel() (n int, ee bool) {
	var buf [8]level2
	l2 := secondLevel(buf[:0], st)
	return len(l2), l2[0] == l2EE
}

// Code reads an event code of n bits. It reports false, with the error
// kept, when the stream is truncated or an error is already kept.
func (d *Decoder) Code(n uint) (uint64, bool) {
	pos := d.r.pos
	if i := uint(pos >> 3); i+8 <= uint(len(d.r.buf)) && d.err == nil {
		d.r.pos = pos + int(n)
		return binary.BigEndian.Uint64(d.r.buf[i:]) << uint(pos&7) >> (64 - n), true
	}
	return d.codeSlow(n)
}

func (d *Decoder) codeSlow(n uint) (uint64, bool) {
	if d.err != nil {
		return 0, false
	}
	if c, ok := d.r.peek(n); ok {
		d.r.pos += int(n)
		return c, true
	}
	d.bits(n)
	return 0, false
}

// SecondLevelEE reads the second-level part of an event code, of n bits
// for m entries, and reports whether it is EE (the first entry when ee).
// Any other entry is an error, kept: the typed API has no place for
// undeclared events.
func (d *Decoder) SecondLevelEE(n uint, m int, ee bool) bool {
	c2, ok := d.Code(n)
	if !ok {
		return false
	}
	if c2 >= uint64(m) {
		d.Fail(ErrEventCode)
		return false
	}
	if c2 != 0 || !ee {
		d.Fail(fmt.Errorf("%w: undeclared (second-level) event", ErrUnsupported))
		return false
	}
	return true
}

// Unsupported records an event of a kind the typed API does not read
// outside wildcard or mixed content.
func (d *Decoder) Unsupported(k EventKind) {
	d.Fail(fmt.Errorf("%w: %v event outside wildcard or mixed content", ErrUnsupported, k))
}

// Pending makes a value of datatype dt (an index into Schema.Types) the
// next to read, as an AT or CH event does; q names its string-table
// partition.
func (d *Decoder) Pending(dt int32, q QName) {
	d.vdt, d.vq = dt, q
}

// Enter opens element el, whose SE the caller has read, for decoding
// through the general path; its EE closes it.
func (d *Decoder) Enter(el int32) {
	if d.err == nil {
		d.push(el)
	}
}

// Down notes one more level of nesting entered by generated code without a
// frame, and reports false (with ErrDepth kept) past Options.MaxDepth.
func (d *Decoder) Down() bool {
	if d.st.depth+d.sdepth >= d.opt.maxDepth() {
		d.Fail(ErrDepth)
		return false
	}
	d.sdepth++
	return true
}

// Up undoes Down.
func (d *Decoder) Up() { d.sdepth-- }

// Leave closes the open element, whose EE the caller has read.
func (d *Decoder) Leave() {
	if d.err == nil && d.st.depth > 0 {
		d.end()
	}
}

// simpleIn reads the CH of element el, whose SE the caller has read, when
// el's grammar is a simple type's and the next event code is that CH,
// making its value the next to read; no frame is pushed. Otherwise it
// reads nothing, opens el with a frame and reports false.
func (d *Decoder) simpleIn(el int32) (*Grammar, bool) {
	if d.err != nil {
		return nil, false
	}
	g := &d.s.Grammars[d.s.Elements[el].Grammar]
	if g.simple && d.st.depth+d.sdepth < d.opt.maxDepth() {
		if c, ok := d.r.peek(uint(g.chWidth)); ok && c == uint64(g.chCode) {
			d.r.pos += int(g.chWidth)
			d.vdt, d.vq = g.chRef, d.s.Elements[el].Name
			return g, true
		}
	}
	d.push(el)
	return nil, false
}

// simpleOut reads the EE after the value of simpleIn, through the general
// path when the event code is not that EE.
func (d *Decoder) simpleOut(el int32, g *Grammar) {
	if d.err != nil {
		return
	}
	if c, ok := d.r.peek(uint(g.eeWidth)); ok && c == uint64(g.eeCode) {
		d.r.pos += int(g.eeWidth)
		return
	}
	d.st.push(frame{c: cursor{g: g, state: g.chNext}, el: el})
	d.End()
}

// The ...Element methods read the content of element el of simple type,
// whose SE the caller has read, and its EE, as the Element... methods do
// after an SE that opened a frame.

// StringElement reads string content of element el.
func (d *Decoder) StringElement(el int32) string {
	if g, ok := d.simpleIn(el); ok {
		v := d.String()
		d.simpleOut(el, g)
		return v
	}
	return d.ElementString()
}

// BoolElement reads Boolean content of element el.
func (d *Decoder) BoolElement(el int32) bool {
	if g, ok := d.simpleIn(el); ok {
		v := d.Bool()
		d.simpleOut(el, g)
		return v
	}
	return d.ElementBool()
}

// BinaryElement reads binary content of element el, appended to dst.
func (d *Decoder) BinaryElement(el int32, dst []byte) []byte {
	if g, ok := d.simpleIn(el); ok {
		v := d.AppendBinary(dst)
		d.simpleOut(el, g)
		return v
	}
	return d.ElementBinary(dst)
}

// IntElement reads integer content of element el.
func (d *Decoder) IntElement(el int32) int64 {
	if g, ok := d.simpleIn(el); ok {
		v := d.Int()
		d.simpleOut(el, g)
		return v
	}
	return d.ElementInt()
}

// UintElement reads non-negative integer content of element el.
func (d *Decoder) UintElement(el int32) uint64 {
	if g, ok := d.simpleIn(el); ok {
		v := d.Uint()
		d.simpleOut(el, g)
		return v
	}
	return d.ElementUint()
}

// BigIntElement reads integer content of any size of element el.
func (d *Decoder) BigIntElement(el int32) *big.Int {
	if g, ok := d.simpleIn(el); ok {
		v := d.BigInt()
		d.simpleOut(el, g)
		return v
	}
	return d.ElementBigInt()
}

// EnumElement reads enumeration content of element el.
func (d *Decoder) EnumElement(el int32) int {
	if g, ok := d.simpleIn(el); ok {
		v := d.Enum()
		d.simpleOut(el, g)
		return v
	}
	return d.ElementEnum()
}
