package exi

import (
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"
)

// This file holds the event-level streaming encoder that the generated typed
// code drives. It shares the grammar interpreter (cursor), the bit writer
// and the string table with the Node encoder.

// Message is implemented by the generated types of global elements: an
// EXI document of the element is appended by AppendEXI and read back by
// DecodeEXI.
type Message interface {
	AppendEXI(dst []byte, opt Options) ([]byte, error)
	DecodeEXI(b []byte, opt Options) error
}

// Fragment is implemented by the generated types of elements that can be
// the element of an EXI fragment (global elements and the local elements
// the fragment grammar lists, such as signed parts of a message).
type Fragment interface {
	AppendEXIFragment(dst []byte, opt Options) ([]byte, error)
	DecodeEXIFragment(b []byte, opt Options) error
}

// inlineFrames is the nesting depth the Encoder and Decoder track without
// allocating. Generated code opens frames only for the root, wildcard and
// mixed content and a few fallbacks, so few are needed; a smaller array is
// less to clear per call.
const inlineFrames = 16

type frame struct {
	c  cursor
	el int32
}

// frames is a stack of open elements, inline up to inlineFrames deep.
type frames struct {
	depth  int
	inline [inlineFrames]frame
	more   []frame
}

func (f *frames) reset() {
	f.depth = 0
	f.more = f.more[:0]
}

func (f *frames) top() *frame {
	if f.depth <= inlineFrames {
		return &f.inline[f.depth-1]
	}
	return &f.more[f.depth-1-inlineFrames]
}

func (f *frames) push(fr frame) {
	f.depth++
	if f.depth <= inlineFrames {
		f.inline[f.depth-1] = fr
		return
	}
	f.more = append(f.more, fr)
}

func (f *frames) pop() {
	if f.depth > inlineFrames {
		f.more = f.more[:len(f.more)-1]
	}
	f.depth--
}

// Encoder writes an EXI stream event by event, checking each event against
// the schema-informed grammars of a Schema. It is what the generated typed
// code drives; it can also be used directly.
//
// Errors are sticky: the first error is kept, every later call is a no-op
// that returns it, and Finish reports it. An Encoder is reusable through
// Reset and is not safe for concurrent use. At the ISO 15118 profile
// (Options zero value) it does not allocate when dst has enough capacity.
type Encoder struct {
	s    *Schema
	w    BitWriter
	vt   valueTable
	opt  Options
	err  error
	frag bool
	done bool
	st   frames
	vdt  int32 // datatype of the pending value, or -1
	vq   QName // qname owning the pending value's string-table partition
}

// Reset starts an EXI document for schema s, appended to dst, with the
// header written.
func (e *Encoder) Reset(s *Schema, dst []byte, opt Options) {
	e.reset(s, dst, opt, false)
}

// ResetFragment starts an EXI fragment (a sequence of elements) for
// schema s, appended to dst, with the header written.
func (e *Encoder) ResetFragment(s *Schema, dst []byte, opt Options) {
	e.reset(s, dst, opt, true)
}

func (e *Encoder) reset(s *Schema, dst []byte, opt Options, frag bool) {
	e.s, e.opt, e.err, e.frag, e.done, e.vdt = s, opt, nil, frag, false, -1
	e.vt.reset(opt)
	e.st.reset()
	e.w.Reset(dst)
	e.w.WriteBits(uint64(Header), 8)
}

// Err returns the first error, if any.
func (e *Encoder) Err() error { return e.err }

// Fail records err (wrapped in an *EncodeError naming the open element)
// unless an error is already kept, and returns the kept error.
func (e *Encoder) Fail(err error) error {
	if e.err == nil {
		e.err = &EncodeError{Path: e.path(), Err: err}
	}
	return e.err
}

func (e *Encoder) path() string {
	if e.s == nil || e.st.depth == 0 {
		return ""
	}
	q := e.s.Elements[e.st.top().el].Name
	return e.s.LocalNames[q.URI][q.Local]
}

func (e *Encoder) ready() bool {
	if e.err != nil {
		return false
	}
	if e.vdt >= 0 {
		e.Fail(fmt.Errorf("%w: event before the pending value", ErrUnexpected))
		return false
	}
	return true
}

func (e *Encoder) code(st *State, i int) {
	e.w.WriteBits(uint64(i), uint(st.width))
}

func (e *Encoder) state() *State {
	f := e.st.top()
	return &f.c.g.States[f.c.state]
}

// StartElement writes SE for the element declaration el (an index into
// Schema.Elements) and enters its grammar.
func (e *Encoder) StartElement(el int32) error {
	if !e.ready() {
		return e.err
	}
	if e.st.depth == 0 {
		if e.done {
			return e.Fail(fmt.Errorf("%w: second root element", ErrUnexpected))
		}
		list, width := e.s.Doc, uint(e.s.docWidth)
		if e.frag {
			list, width = e.s.Frag, uint(e.s.fragWidth)
		}
		idx := -1
		for i, x := range list {
			if x == el {
				idx = i
				break
			}
		}
		if idx < 0 {
			return e.Fail(fmt.Errorf("%w: element %d at the top level", ErrUnexpected, el))
		}
		e.w.WriteBits(uint64(idx), width)
	} else {
		f := e.st.top()
		st := &f.c.g.States[f.c.state]
		found := -1
		prods := st.Prods
		for i := range prods {
			if prods[i].Ref == el && prods[i].Kind == EvSE {
				found = i
				break
			}
		}
		if found < 0 {
			return e.Fail(fmt.Errorf("%w: element %s", ErrUnexpected, e.s.elementName(el)))
		}
		e.w.WriteBits(uint64(found), uint(st.width))
		f.c.advance(prods[found])
	}
	if e.st.depth >= e.opt.maxDepth() {
		return e.Fail(ErrDepth)
	}
	e.st.push(frame{c: cursor{g: &e.s.Grammars[e.s.Elements[el].Grammar]}, el: el})
	return nil
}

func (s *Schema) elementName(el int32) string {
	if el < 0 || int(el) >= len(s.Elements) {
		return fmt.Sprintf("#%d", el)
	}
	q := s.Elements[el].Name
	return s.LocalNames[q.URI][q.Local]
}

// Attribute writes AT for the attribute declaration at (an index into
// Schema.Attributes); its value must follow.
func (e *Encoder) Attribute(at int32) error {
	if !e.ready() {
		return e.err
	}
	if e.st.depth == 0 {
		return e.Fail(fmt.Errorf("%w: attribute outside an element", ErrUnexpected))
	}
	f := e.st.top()
	st := &f.c.g.States[f.c.state]
	for i, p := range st.Prods {
		if p.Kind == EvAT && p.Ref == at {
			e.code(st, i)
			f.c.advance(p)
			e.vdt, e.vq = e.s.Attributes[at].Type, e.s.Attributes[at].Name
			return nil
		}
	}
	return e.Fail(fmt.Errorf("%w: attribute %d", ErrUnexpected, at))
}

// Characters writes the typed CH of simple content; its value must follow.
func (e *Encoder) Characters() error {
	if !e.ready() {
		return e.err
	}
	if e.st.depth == 0 {
		return e.Fail(fmt.Errorf("%w: characters outside an element", ErrUnexpected))
	}
	f := e.st.top()
	st := &f.c.g.States[f.c.state]
	if i := st.ch; i >= 0 {
		p := st.Prods[i]
		e.w.WriteBits(uint64(i), uint(st.width))
		f.c.advance(p)
		e.vdt, e.vq = p.Ref, e.s.Elements[f.el].Name
		return nil
	}
	return e.Fail(fmt.Errorf("%w: character data", ErrUnexpected))
}

// EndElement writes EE, at the first level when the grammar has it there,
// else as a second-level event, and leaves the element.
func (e *Encoder) EndElement() error {
	if !e.ready() {
		return e.err
	}
	if e.st.depth == 0 {
		return e.Fail(fmt.Errorf("%w: end element without an open element", ErrUnexpected))
	}
	st := e.state()
	if ee := st.ee; ee >= 0 {
		e.w.WriteBits(uint64(ee), uint(st.width))
	} else {
		e.w.WriteBits(uint64(len(st.Prods)), uint(st.width))
		e.w.WriteBits(0, uint(st.l2w)) // EE is the first second-level entry
	}
	e.st.pop()
	if e.st.depth == 0 && !e.frag {
		e.done = true
	}
	return nil
}

// Finish completes the stream (ED, padding) and returns the buffer.
func (e *Encoder) Finish() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	if e.vdt >= 0 || e.st.depth != 0 || (!e.frag && !e.done) {
		return nil, e.Fail(fmt.Errorf("%w: stream not complete", ErrUnexpected))
	}
	if e.frag {
		e.w.WriteBits(uint64(len(e.s.Frag)+1), uint(e.s.fragWidth))
	}
	return e.w.Bytes(), nil
}

// value takes the pending value's datatype.
func (e *Encoder) value() *Datatype {
	if e.err != nil {
		return nil
	}
	if e.vdt < 0 {
		e.Fail(fmt.Errorf("%w: value without AT or CH", ErrUnexpected))
		return nil
	}
	dt := &e.s.Types[e.vdt]
	e.vdt = -1
	return dt
}

func errWrongKind(dt *Datatype, what string) error {
	return fmt.Errorf("%w: %s value for %s", ErrValue, what, dt.Name)
}

func errOutOfRange(dt *Datatype, v any) error {
	return fmt.Errorf("%w: %v for %s", ErrOutOfRange, v, dt.Name)
}

// The put methods write a value of datatype dt and return an unwrapped
// error for a value dt cannot represent; the exported methods take the
// pending value's datatype and keep the error.

// String writes a string value (String datatype, or the literal of an
// enumeration).
func (e *Encoder) String(s string) error {
	dt := e.value()
	if dt == nil {
		return e.err
	}
	return e.keep(e.putString(dt, s))
}

func (e *Encoder) keep(err error) error {
	if err != nil {
		return e.Fail(err)
	}
	return nil
}

func (e *Encoder) putString(dt *Datatype, s string) error {
	switch dt.Kind {
	case TString:
		if dt.MaxLen >= 0 && len(s) > int(dt.MaxLen) && utf8.RuneCountInString(s) > int(dt.MaxLen) {
			return fmt.Errorf("%w: %d characters for %s", ErrTooLong, utf8.RuneCountInString(s), dt.Name)
		}
		writeString(&e.w, &e.vt, e.vq, s)
	case TEnum:
		for i, x := range dt.Enum {
			if x == s {
				e.w.WriteBits(uint64(i), uint(dt.Bits))
				return nil
			}
		}
		return fmt.Errorf("%w: %q for %s", ErrValue, s, dt.Name)
	default:
		return errWrongKind(dt, "string")
	}
	return nil
}

// Bool writes a Boolean value.
func (e *Encoder) Bool(b bool) error {
	dt := e.value()
	if dt == nil {
		return e.err
	}
	return e.keep(e.putBool(dt, b))
}

func (e *Encoder) putBool(dt *Datatype, b bool) error {
	if dt.Kind != TBoolean {
		return errWrongKind(dt, "boolean")
	}
	e.w.WriteBit(b)
	return nil
}

// Binary writes a hexBinary or base64Binary value.
func (e *Encoder) Binary(b []byte) error {
	dt := e.value()
	if dt == nil {
		return e.err
	}
	return e.keep(e.putBinary(dt, b))
}

func (e *Encoder) putBinary(dt *Datatype, b []byte) error {
	if dt.Kind != THexBinary && dt.Kind != TBase64 {
		return errWrongKind(dt, "binary")
	}
	if dt.MaxLen >= 0 && len(b) > int(dt.MaxLen) {
		return fmt.Errorf("%w: %d octets for %s", ErrTooLong, len(b), dt.Name)
	}
	e.w.WriteUint(uint64(len(b)))
	e.w.writeOctets(b)
	return nil
}

// Enum writes an enumeration value by its index in Datatype.Enum.
func (e *Encoder) Enum(i int) error {
	dt := e.value()
	if dt == nil {
		return e.err
	}
	return e.keep(e.putEnum(dt, i))
}

func (e *Encoder) putEnum(dt *Datatype, i int) error {
	if dt.Kind != TEnum {
		return errWrongKind(dt, "enumeration")
	}
	if i < 0 || i >= len(dt.Enum) {
		return fmt.Errorf("%w: enumeration index %d for %s", ErrOutOfRange, i, dt.Name)
	}
	e.w.WriteBits(uint64(i), uint(dt.Bits))
	return nil
}

// Int writes an integer value (Integer, Unsigned Integer or n-bit
// representation, per the datatype), checking the range facets.
func (e *Encoder) Int(v int64) error {
	dt := e.value()
	if dt == nil {
		return e.err
	}
	return e.keep(e.putInt(dt, v))
}

func (e *Encoder) putInt(dt *Datatype, v int64) error {
	if (dt.HasMin && v < dt.Min) || (dt.HasMax && v > dt.Max) {
		return errOutOfRange(dt, v)
	}
	switch dt.Kind {
	case TNBit:
		off := uint64(v - dt.Min)
		if v < dt.Min || (dt.Bits < 64 && off>>dt.Bits != 0) {
			return errOutOfRange(dt, v)
		}
		e.w.WriteBits(off, uint(dt.Bits))
	case TUnsigned:
		if v < 0 {
			return errOutOfRange(dt, v)
		}
		e.w.WriteUint(uint64(v))
	case TInteger:
		if v < 0 {
			e.w.WriteBit(true)
			e.w.WriteUint(uint64(-(v + 1)))
		} else {
			e.w.WriteBit(false)
			e.w.WriteUint(uint64(v))
		}
	default:
		return errWrongKind(dt, "integer")
	}
	return nil
}

// Uint writes a non-negative integer value, as Int does.
func (e *Encoder) Uint(v uint64) error {
	dt := e.value()
	if dt == nil {
		return e.err
	}
	return e.keep(e.putUint(dt, v))
}

func (e *Encoder) putUint(dt *Datatype, v uint64) error {
	if v <= math.MaxInt64 {
		return e.putInt(dt, int64(v))
	}
	if dt.HasMax {
		return errOutOfRange(dt, v)
	}
	switch dt.Kind {
	case TUnsigned:
		e.w.WriteUint(v)
	case TInteger:
		e.w.WriteBit(false)
		e.w.WriteUint(v)
	default:
		return errOutOfRange(dt, v)
	}
	return nil
}

// BigInt writes an integer value of any size.
func (e *Encoder) BigInt(v *big.Int) error {
	if v == nil {
		e.value()
		return e.Fail(fmt.Errorf("%w: nil integer", ErrValue))
	}
	if v.IsInt64() {
		return e.Int(v.Int64())
	}
	dt := e.value()
	if dt == nil {
		return e.err
	}
	if (dt.HasMin && v.Cmp(big.NewInt(dt.Min)) < 0) || (dt.HasMax && v.Cmp(big.NewInt(dt.Max)) > 0) {
		return e.Fail(errOutOfRange(dt, v))
	}
	ne := nodeEncoder{s: e.s, w: e.w, opt: e.opt}
	err := ne.integer(dt, v)
	e.w = ne.w
	if err != nil {
		return e.Fail(err)
	}
	return nil
}

// Content writes the children of the open element from Nodes: elements
// (declared or, where the grammar has SE(*), any) and, in mixed content,
// character data. It is how the generated code codes wildcard and mixed
// content.
func (e *Encoder) Content(kids []*Node) error {
	if !e.ready() {
		return e.err
	}
	if e.st.depth == 0 {
		return e.Fail(fmt.Errorf("%w: content outside an element", ErrUnexpected))
	}
	f := e.st.top()
	ne := &nodeEncoder{s: e.s, w: e.w, vt: e.vt, opt: e.opt}
	for range e.st.depth {
		ne.path = append(ne.path, "")
	}
	ne.path[len(ne.path)-1] = e.path()
	err := ne.kids(&f.c, &e.s.Elements[f.el], kids)
	e.w, e.vt = ne.w, ne.vt
	if err != nil {
		e.err = err
	}
	return err
}

// Helpers for elements of simple type: SE, CH and value, EE.

// simpleStart writes SE for el inside the open element when el's grammar
// is a simple type's (Grammar.simple), followed by its CH, and returns the
// grammar; the element's frame is not pushed, so the caller writes the
// value and the EE with simpleEnd. Otherwise it writes nothing and returns
// nil, and the caller takes the general path, which reports any error.
func (e *Encoder) simpleStart(el int32) *Grammar {
	if e.err != nil || e.vdt >= 0 || e.st.depth == 0 || e.st.depth >= e.opt.maxDepth() {
		return nil
	}
	g := &e.s.Grammars[e.s.Elements[el].Grammar]
	if !g.simple {
		return nil
	}
	f := e.st.top()
	st := &f.c.g.States[f.c.state]
	prods := st.Prods
	for i := range prods {
		if prods[i].Ref == el && prods[i].Kind == EvSE {
			e.w.WriteBits(uint64(i), uint(st.width))
			f.c.advance(prods[i])
			e.w.WriteBits(uint64(g.chCode), uint(g.chWidth))
			return g
		}
	}
	return nil
}

// simpleEnd writes the EE of an element begun by simpleStart, or records
// err, a value error of that element.
func (e *Encoder) simpleEnd(el int32, g *Grammar, err error) {
	if err != nil {
		e.st.push(frame{c: cursor{g: g, state: g.chNext}, el: el})
		e.Fail(err)
		return
	}
	e.w.WriteBits(uint64(g.eeCode), uint(g.eeWidth))
}

// StringElement writes element el with string content s. An empty string
// is coded as an element without character data.
func (e *Encoder) StringElement(el int32, s string) {
	if s != "" {
		if g := e.simpleStart(el); g != nil {
			e.vq = e.s.Elements[el].Name
			e.simpleEnd(el, g, e.putString(&e.s.Types[g.chRef], s))
			return
		}
	}
	e.StartElement(el)
	if s != "" {
		e.Characters()
		e.String(s)
	}
	e.EndElement()
}

// BoolElement writes element el with Boolean content.
func (e *Encoder) BoolElement(el int32, b bool) {
	if g := e.simpleStart(el); g != nil {
		e.simpleEnd(el, g, e.putBool(&e.s.Types[g.chRef], b))
		return
	}
	e.StartElement(el)
	e.Characters()
	e.Bool(b)
	e.EndElement()
}

// BinaryElement writes element el with binary content. An empty value
// is coded as an element without character data, as the Node encoder does
// for empty text.
func (e *Encoder) BinaryElement(el int32, b []byte) {
	if len(b) > 0 {
		if g := e.simpleStart(el); g != nil {
			e.simpleEnd(el, g, e.putBinary(&e.s.Types[g.chRef], b))
			return
		}
	}
	e.StartElement(el)
	if len(b) > 0 {
		e.Characters()
		e.Binary(b)
	}
	e.EndElement()
}

// IntElement writes element el with integer content.
func (e *Encoder) IntElement(el int32, v int64) {
	if g := e.simpleStart(el); g != nil {
		e.simpleEnd(el, g, e.putInt(&e.s.Types[g.chRef], v))
		return
	}
	e.StartElement(el)
	e.Characters()
	e.Int(v)
	e.EndElement()
}

// UintElement writes element el with non-negative integer content.
func (e *Encoder) UintElement(el int32, v uint64) {
	if g := e.simpleStart(el); g != nil {
		e.simpleEnd(el, g, e.putUint(&e.s.Types[g.chRef], v))
		return
	}
	e.StartElement(el)
	e.Characters()
	e.Uint(v)
	e.EndElement()
}

// BigIntElement writes element el with integer content of any size.
func (e *Encoder) BigIntElement(el int32, v *big.Int) {
	e.StartElement(el)
	e.Characters()
	e.BigInt(v)
	e.EndElement()
}

// EnumElement writes element el with the enumeration value of index i.
func (e *Encoder) EnumElement(el int32, i int) {
	if g := e.simpleStart(el); g != nil {
		e.simpleEnd(el, g, e.putEnum(&e.s.Types[g.chRef], i))
		return
	}
	e.StartElement(el)
	e.Characters()
	e.Enum(i)
	e.EndElement()
}
