package exi

import (
	"encoding/xml"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

type nodeDecoder struct {
	s     *Schema
	r     BitReader
	vt    valueTable
	opt   Options
	names nameTable
	depth int
	l2buf []level2
}

func (d *nodeDecoder) fail(err error) error {
	return &DecodeError{BitOffset: d.r.Pos(), Err: err}
}

func (d *nodeDecoder) start(b []byte, opt Options) error {
	d.opt = opt
	d.vt.reset(opt)
	d.r.Reset(b)
	d.names.init(d.s)
	h, err := d.r.ReadBits(8)
	if err != nil {
		return err
	}
	if byte(h) != Header {
		return d.fail(fmt.Errorf("%w: first byte 0x%02x, want 0x80", ErrHeader, h))
	}
	return nil
}

func (d *nodeDecoder) finish() error {
	// Padding to the octet boundary must be zero; nothing may follow it.
	rem := d.r.Remaining()
	if rem >= 8 {
		return d.fail(ErrTrailingData)
	}
	if rem > 0 {
		v, _ := d.r.ReadBits(uint(rem))
		if v != 0 {
			return d.fail(ErrTrailingData)
		}
	}
	return nil
}

// DecodeDocument decodes an EXI document into its infoset.
func (s *Schema) DecodeDocument(b []byte, opt Options) (*Node, error) {
	d := &nodeDecoder{s: s}
	if err := d.start(b, opt); err != nil {
		return nil, err
	}
	code, err := d.r.ReadBits(bitsFor(len(s.Doc) + 1))
	if err != nil {
		return nil, err
	}
	n, err := d.root(s.Doc, code)
	if err != nil {
		return nil, err
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return n, nil
}

// root decodes the top-level element of event code code: SE(list[code]),
// or SE(*) for code len(list), as in the encoder's root.
func (d *nodeDecoder) root(list []int32, code uint64) (*Node, error) {
	switch {
	case int(code) < len(list):
		return d.element(list[code])
	case int(code) == len(list):
		return d.anyElement()
	}
	return nil, d.fail(ErrEventCode)
}

// DecodeFragment decodes an EXI fragment into its top-level elements.
func (s *Schema) DecodeFragment(b []byte, opt Options) ([]*Node, error) {
	d := &nodeDecoder{s: s}
	if err := d.start(b, opt); err != nil {
		return nil, err
	}
	width := bitsFor(len(s.Frag) + 2)
	var out []*Node
	for {
		code, err := d.r.ReadBits(width)
		if err != nil {
			return nil, err
		}
		if int(code) == len(s.Frag)+1 { // ED
			if err := d.finish(); err != nil {
				return nil, err
			}
			return out, nil
		}
		n, err := d.root(s.Frag, code)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
}

func (d *nodeDecoder) xmlName(q QName) xml.Name {
	return xml.Name{Space: d.names.uris[q.URI], Local: d.names.locals[q.URI][q.Local]}
}

// element decodes the content of a declared element after its SE.
func (d *nodeDecoder) element(el int32) (*Node, error) {
	decl := &d.s.Elements[el]
	return d.withGrammar(decl.Name, decl.Grammar)
}

func (d *nodeDecoder) withGrammar(name QName, gi int32) (*Node, error) {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > d.opt.maxDepth() {
		return nil, d.fail(ErrDepth)
	}
	n := &Node{Name: d.xmlName(name)}
	c := cursor{g: &d.s.Grammars[gi]}
	return n, d.content(n, name, &c)
}

// content decodes the rest of element n (attributes, children, text) from
// cursor c through its EE.
func (d *nodeDecoder) content(n *Node, name QName, cp *cursor) error {
	c := *cp
	defer func() { *cp = c }()
	var text strings.Builder
	hasText := false
	for {
		st := &c.g.States[c.state]
		np := len(st.Prods)
		code, err := d.r.ReadBits(bitsFor(np + 1))
		if err != nil {
			return err
		}
		if int(code) > np {
			return d.fail(ErrEventCode)
		}
		if int(code) < np {
			p := st.Prods[code]
			switch p.Kind {
			case EvEE:
				if hasText {
					n.Text = text.String()
				}
				collapseText(n)
				return nil
			case EvSE:
				k, err := d.element(p.Ref)
				if err != nil {
					return err
				}
				n.Kids = append(n.Kids, k)
			case EvSEAny:
				k, err := d.anyElement()
				if err != nil {
					return err
				}
				n.Kids = append(n.Kids, k)
			case EvAT:
				a := &d.s.Attributes[p.Ref]
				v, err := d.value(a.Type, a.Name)
				if err != nil {
					return err
				}
				n.Attrs = append(n.Attrs, xml.Attr{Name: d.xmlName(a.Name), Value: v})
			case EvCH:
				v, err := d.value(p.Ref, name)
				if err != nil {
					return err
				}
				text.WriteString(v)
				hasText = true
			case EvCHUntyped:
				v, err := d.stringValue(name, -1)
				if err != nil {
					return err
				}
				n.Kids = append(n.Kids, &Node{Text: v})
			default:
				return d.fail(ErrUnsupported)
			}
			c.advance(p)
			continue
		}
		// Second level: a deviation from the schema.
		d.l2buf = secondLevel(d.l2buf[:0], st)
		c2, err := d.r.ReadBits(bitsFor(len(d.l2buf)))
		if err != nil {
			return err
		}
		if int(c2) >= len(d.l2buf) {
			return d.fail(ErrEventCode)
		}
		switch d.l2buf[c2] {
		case l2EE:
			if hasText {
				n.Text = text.String()
			}
			collapseText(n)
			return nil
		case l2XsiType:
			q, err := d.qname()
			if err != nil {
				return err
			}
			g, ok := d.s.typeGrammar(q)
			if !ok {
				return d.fail(fmt.Errorf("%w: xsi:type names an unknown type", ErrUnsupported))
			}
			n.Attrs = append(n.Attrs, xml.Attr{Name: xml.Name{Space: d.s.URIs[URIXSI], Local: "type"}, Value: d.names.uris[q.URI] + " " + d.names.locals[q.URI][q.Local]})
			c = cursor{g: &d.s.Grammars[g]}
		case l2XsiNil:
			b, err := d.r.ReadBit()
			if err != nil {
				return err
			}
			if b {
				return d.fail(fmt.Errorf("%w: xsi:nil=\"true\"", ErrUnsupported))
			}
			n.Attrs = append(n.Attrs, xml.Attr{Name: xml.Name{Space: d.s.URIs[URIXSI], Local: "nil"}, Value: "false"})
		case l2ATAny:
			q, err := d.qname()
			if err != nil {
				return err
			}
			v, err := d.stringValue(q, -1)
			if err != nil {
				return err
			}
			n.Attrs = append(n.Attrs, xml.Attr{Name: d.xmlName(q), Value: v})
		case l2ATUntyped:
			var ats []Prod
			for _, p := range st.Prods {
				if p.Kind == EvAT {
					ats = append(ats, p)
				}
			}
			c3, err := d.r.ReadBits(bitsFor(len(ats) + 1))
			if err != nil {
				return err
			}
			var q QName
			switch {
			case int(c3) < len(ats):
				q = d.s.Attributes[ats[c3].Ref].Name
			case int(c3) == len(ats):
				if q, err = d.qname(); err != nil {
					return err
				}
			default:
				return d.fail(ErrEventCode)
			}
			v, err := d.stringValue(q, -1)
			if err != nil {
				return err
			}
			n.Attrs = append(n.Attrs, xml.Attr{Name: d.xmlName(q), Value: v})
			if int(c3) < len(ats) {
				c.advance(ats[c3])
			}
		case l2SEAny:
			k, err := d.anyElement()
			if err != nil {
				return err
			}
			n.Kids = append(n.Kids, k)
			if st.Class != ClassContent {
				c.state, c.count = c.g.Content2, 0
			}
		case l2CHUntyped:
			v, err := d.stringValue(name, -1)
			if err != nil {
				return err
			}
			if len(n.Kids) == 0 {
				text.WriteString(v)
				hasText = true
			} else {
				n.Kids = append(n.Kids, &Node{Text: v})
			}
			if st.Class != ClassContent {
				c.state, c.count = c.g.Content2, 0
			}
		}
	}
}

// anyElement decodes an element matched by SE(*): its qname, then its
// content with the global declaration's grammar or the built-in grammar.
func (d *nodeDecoder) anyElement() (*Node, error) {
	q, err := d.qname()
	if err != nil {
		return nil, err
	}
	if el, ok := d.s.idx.globals[q]; ok && q.URI < int32(len(d.s.URIs)) && q.Local < int32(len(d.s.LocalNames[q.URI])) {
		return d.element(el)
	}
	return d.builtin(q)
}

// builtin decodes with the built-in element grammar (§8.4.3) that, under
// the ISO 15118 profile's zero limits on built-in grammars, never learns.
func (d *nodeDecoder) builtin(name QName) (*Node, error) {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > d.opt.maxDepth() {
		return nil, d.fail(ErrDepth)
	}
	n := &Node{Name: d.xmlName(name)}
	startTag := true
	for {
		var ev int
		if startTag {
			c, err := d.r.ReadBits(2) // EE, AT(*), SE(*), CH
			if err != nil {
				return nil, err
			}
			ev = int(c)
		} else {
			c, err := d.r.ReadBits(1)
			if err != nil {
				return nil, err
			}
			if c == 0 {
				ev = 0
			} else {
				c2, err := d.r.ReadBits(1)
				if err != nil {
					return nil, err
				}
				ev = 2 + int(c2)
			}
		}
		switch ev {
		case 0:
			collapseText(n)
			return n, nil
		case 1:
			q, err := d.qname()
			if err != nil {
				return nil, err
			}
			v, err := d.stringValue(q, -1)
			if err != nil {
				return nil, err
			}
			n.Attrs = append(n.Attrs, xml.Attr{Name: d.xmlName(q), Value: v})
		case 2:
			k, err := d.anyElement()
			if err != nil {
				return nil, err
			}
			n.Kids = append(n.Kids, k)
			startTag = false
		case 3:
			v, err := d.stringValue(name, -1)
			if err != nil {
				return nil, err
			}
			n.Kids = append(n.Kids, &Node{Text: v})
			startTag = false
		}
	}
}

// qname reads a QName: URI then local name through the string table (§7.1.7).
func (d *nodeDecoder) qname() (QName, error) {
	t := &d.names
	u, err := d.r.ReadBits(bitsFor(len(t.uris) + 1))
	if err != nil {
		return QName{}, err
	}
	var uri int32
	if u == 0 {
		s, err := d.r.ReadStringLiteral(-1)
		if err != nil {
			return QName{}, err
		}
		uri = t.addURI(s)
	} else {
		if int(u-1) >= len(t.uris) {
			return QName{}, d.fail(ErrStringTableRef)
		}
		uri = int32(u - 1)
	}
	l, err := d.r.ReadUint()
	if err != nil {
		return QName{}, err
	}
	var local int32
	if l == 0 {
		id, err := d.r.ReadBits(bitsFor(len(t.locals[uri])))
		if err != nil {
			return QName{}, err
		}
		if int(id) >= len(t.locals[uri]) {
			return QName{}, d.fail(ErrStringTableRef)
		}
		local = int32(id)
	} else {
		s, err := d.r.readChars(l-1, -1)
		if err != nil {
			return QName{}, err
		}
		local = t.addLocal(uri, s)
	}
	return QName{URI: uri, Local: local}, nil
}

func (d *nodeDecoder) stringValue(q QName, maxLen int32) (string, error) {
	v, err := d.r.ReadUint()
	if err != nil {
		return "", err
	}
	vt := &d.vt
	if v < 2 {
		return vt.readHit(&d.r, q, v == 1)
	}
	s, err := d.r.readChars(v-2, maxLen)
	if err != nil {
		return "", err
	}
	vt.add(q, s, int(v-2))
	return s, nil
}

func (d *nodeDecoder) value(ti int32, q QName) (string, error) {
	dt := &d.s.Types[ti]
	switch dt.Kind {
	case TString:
		return d.stringValue(q, dt.MaxLen)
	case TBoolean:
		b, err := d.r.ReadBit()
		if err != nil {
			return "", err
		}
		if b {
			return "true", nil
		}
		return "false", nil
	case THexBinary, TBase64:
		n, err := d.r.ReadUint()
		if err != nil {
			return "", err
		}
		if dt.MaxLen >= 0 && n > uint64(dt.MaxLen) {
			return "", d.fail(ErrTooLong)
		}
		if n > uint64(d.r.Remaining()/8) {
			return "", d.fail(ErrTruncated)
		}
		b := make([]byte, n)
		for i := range b {
			x, err := d.r.ReadBits(8)
			if err != nil {
				return "", err
			}
			b[i] = byte(x)
		}
		return formatBinary(dt.Kind, b), nil
	case TNBit:
		v, err := d.r.ReadBits(uint(dt.Bits))
		if err != nil {
			return "", err
		}
		x := dt.Min + int64(v)
		if dt.HasMax && x > dt.Max {
			return "", d.fail(ErrOutOfRange)
		}
		return strconv.FormatInt(x, 10), nil
	case TUnsigned:
		v, err := d.r.readBigUint()
		if err != nil {
			return "", err
		}
		if !inRange(dt, v) {
			return "", d.fail(ErrOutOfRange)
		}
		return v.String(), nil
	case TInteger:
		neg, err := d.r.ReadBit()
		if err != nil {
			return "", err
		}
		v, err := d.r.readBigUint()
		if err != nil {
			return "", err
		}
		if neg {
			v.Add(v, big.NewInt(1))
			v.Neg(v)
		}
		if !inRange(dt, v) {
			return "", d.fail(ErrOutOfRange)
		}
		return v.String(), nil
	case TEnum:
		v, err := d.r.ReadBits(uint(dt.Bits))
		if err != nil {
			return "", err
		}
		if int(v) >= len(dt.Enum) {
			return "", d.fail(ErrOutOfRange)
		}
		return dt.Enum[v], nil
	}
	return "", d.fail(ErrUnsupported)
}

// nameTable is a stream's URI and local-name partitions, seeded from the
// schema and copied on first addition.
type nameTable struct {
	uris   []string
	locals [][]string
	owned  bool
}

func (t *nameTable) init(s *Schema) {
	t.uris = s.URIs
	t.locals = s.LocalNames
	t.owned = false
}

func (t *nameTable) own() {
	if t.owned {
		return
	}
	t.uris = append([]string(nil), t.uris...)
	l := make([][]string, len(t.locals))
	for i := range t.locals {
		l[i] = t.locals[i][:len(t.locals[i]):len(t.locals[i])]
	}
	t.locals = l
	t.owned = true
}

func (t *nameTable) addURI(s string) int32 {
	t.own()
	t.uris = append(t.uris, s)
	t.locals = append(t.locals, nil)
	return int32(len(t.uris) - 1)
}

func (t *nameTable) addLocal(uri int32, s string) int32 {
	t.own()
	t.locals[uri] = append(t.locals[uri], s)
	return int32(len(t.locals[uri]) - 1)
}

// collapseText turns the text-only children of an element into its Text.
func collapseText(n *Node) {
	if len(n.Kids) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString(n.Text)
	for _, k := range n.Kids {
		if !k.IsText() {
			return
		}
		b.WriteString(k.Text)
	}
	n.Text = b.String()
	n.Kids = nil
}
