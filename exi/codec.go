package exi

import (
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"unicode/utf8"
)

// Header is the EXI header of every ISO 15118 stream: distinguishing bits
// 10, no options, final version 1 (§5).
const Header byte = 0x80

// second-level entries (EXI §8.5.4.4.1, with the ISO 15118 fidelity options).
type level2 uint8

const (
	l2EE level2 = iota
	l2XsiType
	l2XsiNil
	l2ATAny
	l2ATUntyped
	l2SEAny
	l2CHUntyped
)

// secondLevel appends the second-level entries of st to dst.
func secondLevel(dst []level2, st *State) []level2 {
	hasEE := false
	for _, p := range st.Prods {
		if p.Kind == EvEE {
			hasEE = true
			break
		}
	}
	if !hasEE {
		dst = append(dst, l2EE)
	}
	if st.Class == ClassStart0 {
		dst = append(dst, l2XsiType, l2XsiNil)
	}
	if st.Class != ClassContent {
		dst = append(dst, l2ATAny, l2ATUntyped)
	}
	return append(dst, l2SEAny, l2CHUntyped)
}

// cursor tracks the position in one element's grammar.
type cursor struct {
	g     *Grammar
	state int32
	count int32
}

// advance moves along production p of the current state.
func (c *cursor) advance(p Prod) {
	if p.Next < 0 {
		c.state = -1
		return
	}
	cur := c.state
	next := p.Next
	ri := c.g.States[next].Rep
	if ri < 0 {
		c.state, c.count = next, 0
		return
	}
	if cur >= 0 && c.g.States[cur].Rep == ri {
		c.count++
	} else {
		c.count = 1
	}
	r := &c.g.Reps[ri]
	switch {
	case c.count < r.Min:
		c.state = r.Low
	case r.Max >= 0 && c.count >= r.Max:
		c.state = r.High
	default:
		c.state = r.Mid
	}
}

// Encoder ----------------------------------------------------------------

type nodeEncoder struct {
	s     *Schema
	w     BitWriter
	vt    valueTable
	opt   Options
	names nameTable
	path  []string
	l2buf []level2
}

func (e *nodeEncoder) fail(err error) error {
	return &EncodeError{Path: "/" + strings.Join(e.path, "/"), Err: err}
}

func newNodeEncoder(s *Schema, dst []byte, opt Options) *nodeEncoder {
	e := &nodeEncoder{s: s, opt: opt}
	e.vt.reset(opt)
	e.names.init(s)
	e.w.Reset(dst)
	e.w.WriteBits(uint64(Header), 8)
	return e
}

// root codes one top-level element: SE(G_i) of the list when it names one,
// else SE(*) (code len(list)), whose content the global declaration of that
// name or the built-in grammar describes.
func (e *nodeEncoder) root(n *Node, list []int32, width uint) error {
	if q, ok := e.s.lookupQName(n.Name.Space, n.Name.Local); ok {
		for i, el := range list {
			if e.s.Elements[el].Name == q {
				e.w.WriteBits(uint64(i), width)
				return e.element(n, el)
			}
		}
	}
	e.w.WriteBits(uint64(len(list)), width)
	return e.anyElement(n)
}

// EncodeDocument appends the EXI document of root, header included, to dst.
func (s *Schema) EncodeDocument(dst []byte, root *Node, opt Options) ([]byte, error) {
	e := newNodeEncoder(s, dst, opt)
	if err := e.root(root, s.Doc, bitsFor(len(s.Doc)+1)); err != nil {
		return nil, err
	}
	return e.w.Bytes(), nil
}

// EncodeFragment appends the EXI fragment of roots, header included, to dst.
func (s *Schema) EncodeFragment(dst []byte, roots []*Node, opt Options) ([]byte, error) {
	e := newNodeEncoder(s, dst, opt)
	width := bitsFor(len(s.Frag) + 2)
	for _, root := range roots {
		if err := e.root(root, s.Frag, width); err != nil {
			return nil, err
		}
	}
	e.w.WriteBits(uint64(len(s.Frag)+1), width) // ED
	return e.w.Bytes(), nil
}

func (e *nodeEncoder) code(st *State, i int) {
	e.w.WriteBits(uint64(i), bitsFor(len(st.Prods)+1))
}

func (e *nodeEncoder) code2(st *State, ev level2) error {
	e.l2buf = secondLevel(e.l2buf[:0], st)
	for i, x := range e.l2buf {
		if x == ev {
			e.w.WriteBits(uint64(len(st.Prods)), bitsFor(len(st.Prods)+1))
			e.w.WriteBits(uint64(i), bitsFor(len(e.l2buf)))
			return nil
		}
	}
	return e.fail(ErrUnexpected)
}

func (e *nodeEncoder) element(n *Node, el int32) error {
	decl := &e.s.Elements[el]
	e.path = append(e.path, n.Name.Local)
	defer func() { e.path = e.path[:len(e.path)-1] }()
	if len(e.path) > e.opt.maxDepth() {
		return e.fail(ErrDepth)
	}
	c := cursor{g: &e.s.Grammars[decl.Grammar]}
	// Attributes in grammar order: by local name, then URI.
	attrs := n.Attrs
	if len(attrs) > 1 {
		attrs = append([]xml.Attr(nil), attrs...)
		sort.SliceStable(attrs, func(i, j int) bool {
			if attrs[i].Name.Local != attrs[j].Name.Local {
				return attrs[i].Name.Local < attrs[j].Name.Local
			}
			return attrs[i].Name.Space < attrs[j].Name.Space
		})
	}
	for _, a := range attrs {
		q, ok := e.s.lookupQName(a.Name.Space, a.Name.Local)
		st := &c.g.States[c.state]
		found := -1
		if ok {
			for i, p := range st.Prods {
				if p.Kind == EvAT && e.s.Attributes[p.Ref].Name == q {
					found = i
					break
				}
			}
		}
		if found < 0 {
			// Undeclared attribute: AT(*) with an untyped value.
			if a.Name.Space == e.s.URIs[URIXSI] {
				if err := e.xsiAttr(st, a); err != nil {
					return err
				}
				continue
			}
			if err := e.code2(st, l2ATAny); err != nil {
				return err
			}
			qa := e.writeQName(a.Name)
			e.stringValue(qa, a.Value)
			continue
		}
		p := st.Prods[found]
		// Not representable by its datatype: AT(qname)[untyped value].
		_, err := e.typedOrUntyped(st, found, e.s.Attributes[p.Ref].Type, q, a.Value, func() error {
			if err := e.code2(st, l2ATUntyped); err != nil {
				return err
			}
			k, nat := 0, 0
			for i, pp := range st.Prods {
				if pp.Kind == EvAT {
					if i == found {
						k = nat
					}
					nat++
				}
			}
			e.w.WriteBits(uint64(k), bitsFor(nat+1))
			e.stringValue(q, a.Value)
			return nil
		})
		if err != nil {
			return err
		}
		c.advance(p)
	}
	// Content.
	st := &c.g.States[c.state]
	chIdx := -1
	for i, p := range st.Prods {
		if p.Kind == EvCH {
			chIdx = i
			break
		}
	}
	if chIdx >= 0 && len(n.Kids) == 0 {
		p := st.Prods[chIdx]
		if n.Text != "" {
			// Not representable by its datatype: CH[untyped value].
			typed, err := e.typedOrUntyped(st, chIdx, p.Ref, decl.Name, n.Text, func() error {
				if err := e.code2(st, l2CHUntyped); err != nil {
					return err
				}
				e.stringValue(decl.Name, n.Text)
				if st.Class != ClassContent {
					c.state, c.count = c.g.Content2, 0
				}
				// The typed CH was skipped: the element ends via EE below,
				// from content2 or the state reached so far.
				return nil
			})
			if err != nil {
				return err
			}
			if typed {
				c.advance(p)
			}
		}
	} else {
		kids := n.Kids
		if n.Text != "" {
			// Character data where the grammar has no typed CH: untyped
			// (mixed content, or the relaxed fragment grammar).
			kids = append([]*Node{{Text: n.Text}}, kids...)
		}
		if err := e.kids(&c, decl, kids); err != nil {
			return err
		}
	}
	st = &c.g.States[c.state]
	for i, p := range st.Prods {
		if p.Kind == EvEE {
			e.code(st, i)
			return nil
		}
	}
	return e.code2(st, l2EE)
}

// kids codes the children of an element with grammar cursor c; children
// the grammar does not declare are coded as deviations.
func (e *nodeEncoder) kids(c *cursor, decl *Element, kids []*Node) error {
	for _, k := range kids {
		st := &c.g.States[c.state]
		if k.IsText() {
			found := -1
			for i, p := range st.Prods {
				if p.Kind == EvCHUntyped {
					found = i
				}
			}
			if found < 0 {
				if err := e.code2(st, l2CHUntyped); err != nil {
					return err
				}
				e.stringValue(decl.Name, k.Text)
				if st.Class != ClassContent {
					c.state, c.count = c.g.Content2, 0
				}
				continue
			}
			e.code(st, found)
			e.stringValue(decl.Name, k.Text)
			c.advance(st.Prods[found])
			continue
		}
		q, ok := e.s.lookupQName(k.Name.Space, k.Name.Local)
		found := -1
		if ok {
			for i, p := range st.Prods {
				if p.Kind == EvSE && e.s.Elements[p.Ref].Name == q {
					found = i
					break
				}
			}
		}
		if found < 0 {
			// A wildcard of the schema, or an undeclared element: SE(*).
			wild := -1
			for i, p := range st.Prods {
				if p.Kind == EvSEAny && p.Ref < 0 {
					wild = i
					break
				}
			}
			if wild >= 0 {
				e.code(st, wild)
			} else if err := e.code2(st, l2SEAny); err != nil {
				return err
			}
			if err := e.anyElement(k); err != nil {
				return err
			}
			switch {
			case wild >= 0:
				c.advance(st.Prods[wild])
			case st.Class != ClassContent:
				c.state, c.count = c.g.Content2, 0
			}
			continue
		}
		p := st.Prods[found]
		e.code(st, found)
		if err := e.element(k, p.Ref); err != nil {
			return err
		}
		c.advance(p)
	}
	return nil
}

// stringValue codes a String value through the string table (§7.3.3).
func (e *nodeEncoder) stringValue(q QName, s string) {
	writeString(&e.w, &e.vt, q, s)
}

// writeString codes a String value through the string table vt (§7.3.3).
func writeString(w *BitWriter, vt *valueTable, q QName, s string) {
	if vt.enabled() {
		if p := vt.part(q, false); p != nil {
			if id, ok := p.index[s]; ok {
				w.WriteUint(0)
				w.WriteBits(uint64(id), bitsFor(len(p.vals)))
				return
			}
		}
		if id, ok := vt.gindex[s]; ok {
			w.WriteUint(1)
			w.WriteBits(uint64(id), bitsFor(len(vt.global)))
			return
		}
	}
	n := utf8.RuneCountInString(s)
	w.writeChars(s, n, 2)
	vt.add(q, s, n)
}

// typedOrUntyped writes the event code of production i of st and the
// value lex with datatype ti. When the datatype cannot represent lex
// (ErrValue, ErrOutOfRange) it rewinds the writer to before the event code
// and calls untyped, which codes the event as a deviation. It reports
// whether the typed event was written.
func (e *nodeEncoder) typedOrUntyped(st *State, i int, ti int32, q QName, lex string, untyped func() error) (bool, error) {
	mark := e.w
	e.code(st, i)
	err := e.value(ti, q, lex)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, ErrValue) && !errors.Is(err, ErrOutOfRange) {
		return false, err
	}
	e.w = mark
	return false, untyped()
}

func (e *nodeEncoder) value(ti int32, q QName, lex string) error {
	dt := &e.s.Types[ti]
	bad := func() error {
		return e.fail(fmt.Errorf("%w: %q for %s", ErrValue, lex, dt.Name))
	}
	switch dt.Kind {
	case TString:
		e.stringValue(q, lex)
	case TBoolean:
		v, ok := parseBool(lex)
		if !ok {
			return bad()
		}
		e.w.WriteBit(v)
	case THexBinary, TBase64:
		b, ok := parseBinary(dt.Kind, lex)
		if !ok {
			return bad()
		}
		e.w.WriteUint(uint64(len(b)))
		for _, x := range b {
			e.w.WriteBits(uint64(x), 8)
		}
	case TInteger, TUnsigned, TNBit:
		v, ok := parseInteger(lex)
		if !ok {
			return bad()
		}
		return e.integer(dt, v)
	case TEnum:
		s := lex
		if dt.Base != TString {
			s = strings.TrimSpace(s)
		}
		for i, x := range dt.Enum {
			if x == s {
				e.w.WriteBits(uint64(i), uint(dt.Bits))
				return nil
			}
		}
		return bad()
	default:
		return e.fail(ErrUnsupported)
	}
	return nil
}

func (e *nodeEncoder) integer(dt *Datatype, v *big.Int) error {
	if !inRange(dt, v) {
		return e.fail(fmt.Errorf("%w: %v for %s", ErrOutOfRange, v, dt.Name))
	}
	switch dt.Kind {
	case TNBit:
		off := new(big.Int).Sub(v, big.NewInt(dt.Min))
		if off.Sign() < 0 || off.BitLen() > int(dt.Bits) || (dt.HasMax && v.Cmp(big.NewInt(dt.Max)) > 0) {
			return e.fail(fmt.Errorf("%w: %v for %s", ErrOutOfRange, v, dt.Name))
		}
		e.w.WriteBits(off.Uint64(), uint(dt.Bits))
	case TUnsigned:
		if v.Sign() < 0 {
			return e.fail(fmt.Errorf("%w: %v for %s", ErrOutOfRange, v, dt.Name))
		}
		e.w.writeBigUint(v)
	default:
		if v.Sign() < 0 {
			e.w.WriteBit(true)
			m := new(big.Int).Neg(v)
			m.Sub(m, big.NewInt(1))
			e.w.writeBigUint(m)
		} else {
			e.w.WriteBit(false)
			e.w.writeBigUint(v)
		}
	}
	return nil
}

// xsiAttr codes xsi:nil="false"; other xsi attributes are not supported
// on encode (an xsi:type value needs the prefixes EXI does not keep).
func (e *nodeEncoder) xsiAttr(st *State, a xml.Attr) error {
	if a.Name.Local == "nil" && st.Class == ClassStart0 {
		v, ok := parseBool(a.Value)
		if ok && !v {
			if err := e.code2(st, l2XsiNil); err != nil {
				return err
			}
			e.w.WriteBit(false)
			return nil
		}
	}
	return e.fail(fmt.Errorf("%w: attribute xsi:%s", ErrUnsupported, a.Name.Local))
}

// writeQName codes a qname through the URI and local-name partitions
// (§7.1.7, §7.3.2), adding misses.
func (e *nodeEncoder) writeQName(n xml.Name) QName {
	t := &e.names
	uri := int32(-1)
	for i, u := range t.uris {
		if u == n.Space {
			uri = int32(i)
			break
		}
	}
	w := bitsFor(len(t.uris) + 1)
	if uri < 0 {
		e.w.WriteBits(0, w)
		e.w.WriteStringLiteral(n.Space)
		uri = t.addURI(n.Space)
	} else {
		e.w.WriteBits(uint64(uri)+1, w)
	}
	for i, l := range t.locals[uri] {
		if l == n.Local {
			e.w.WriteUint(0)
			e.w.WriteBits(uint64(i), bitsFor(len(t.locals[uri])))
			return QName{URI: uri, Local: int32(i)}
		}
	}
	e.w.writeChars(n.Local, utf8.RuneCountInString(n.Local), 1)
	return QName{URI: uri, Local: t.addLocal(uri, n.Local)}
}

// anyElement codes an element matched by SE(*): its qname, then its content
// with the global declaration of that name or the built-in grammar.
func (e *nodeEncoder) anyElement(n *Node) error {
	q := e.writeQName(n.Name)
	if el, ok := e.s.idx.globals[q]; ok {
		return e.element(n, el)
	}
	e.path = append(e.path, n.Name.Local)
	defer func() { e.path = e.path[:len(e.path)-1] }()
	if len(e.path) > e.opt.maxDepth() {
		return e.fail(ErrDepth)
	}
	// Built-in element grammar (§8.4.3) without learning: StartTagContent
	// codes EE, AT(*), SE(*), CH in 2 bits; ElementContent codes EE as 0
	// and SE(*), CH as 1.0 and 1.1.
	for _, a := range n.Attrs {
		e.w.WriteBits(1, 2)
		qa := e.writeQName(a.Name)
		e.stringValue(qa, a.Value)
	}
	startTag := true
	emit := func(ev uint64) { // 0 EE, 2 SE, 3 CH
		if startTag {
			e.w.WriteBits(ev, 2)
			return
		}
		if ev == 0 {
			e.w.WriteBits(0, 1)
			return
		}
		e.w.WriteBits(1, 1)
		e.w.WriteBits(ev-2, 1)
	}
	kids := n.Kids
	if n.Text != "" {
		kids = append([]*Node{{Text: n.Text}}, kids...)
	}
	for _, k := range kids {
		if k.IsText() {
			emit(3)
			e.stringValue(q, k.Text)
		} else {
			emit(2)
			if err := e.anyElement(k); err != nil {
				return err
			}
		}
		startTag = false
	}
	emit(0)
	return nil
}
