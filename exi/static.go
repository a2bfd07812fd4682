package exi

import "math/big"

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
