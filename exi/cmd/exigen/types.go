package main

import (
	"bytes"
	"fmt"
	"go/format"
	"math/big"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/exi/internal/grammar"
	"github.com/v2gstack/iso15118/exi/internal/xsd"
)

// Value kinds of generated fields.
type vkind int

const (
	vkStruct vkind = iota
	vkString
	vkBinary
	vkBool
	vkInt  // signed Go integer
	vkUint // unsigned Go integer
	vkBig  // *big.Int
	vkEnum
)

type field struct {
	name     string
	xsdName  string
	attr     bool
	index    int32 // element or attribute index
	kind     vkind
	goType   string // base type
	st       *structInfo
	optional bool
	list     bool
	min, max int // list bounds (max < 0: unbounded)
}

type choice struct {
	fields   []*field
	required bool
}

type structInfo struct {
	t       *xsd.Type // nil for wrappers of global elements
	name    string
	doc     string
	attrs   []*field
	fields  []*field
	value   *field // simple content
	raw     bool   // wildcard or mixed content kept as Nodes
	embed   *structInfo
	choices []*choice
}

type enumInfo struct {
	dt     int32
	name   string
	doc    string
	lits   []string
	consts []string
}

type rootInfo struct {
	el   *xsd.Element
	idx  int32
	st   *structInfo
	doc  bool // global element: document methods
	frag bool // in the fragment grammar: fragment methods
}

type typeGen struct {
	sc       *exi.Schema
	ix       *grammar.Index
	set      *xsd.Set
	used     map[string]bool
	structs  map[*xsd.Type]*structInfo
	order    []*structInfo
	enums    map[int32]*enumInfo
	enumList []*enumInfo
	roots    []*rootInfo
	useBig   bool
	static   map[*structInfo]int32 // structs with static encoders: their grammar
}

var reservedFields = map[string]bool{
	"AppendEXI": true, "DecodeEXI": true, "AppendEXIFragment": true, "DecodeEXIFragment": true,
	"String": true,
}

// goName turns an XML name into an exported Go identifier.
func goName(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if out == "" {
		return "X"
	}
	if unicode.IsDigit(rune(out[0])) {
		out = "X" + out
	}
	return out
}

func (g *typeGen) claim(cands ...string) string {
	for _, c := range cands {
		if !g.used[c] {
			g.used[c] = true
			return c
		}
	}
	base := cands[len(cands)-1]
	for i := 2; ; i++ {
		c := base + strconv.Itoa(i)
		if !g.used[c] {
			g.used[c] = true
			return c
		}
	}
}

// EmitTypes writes the typed Go API of a schema set.
func EmitTypes(set *xsd.Set, sc *exi.Schema, ix *grammar.Index, pkg, schemaPath string) ([]byte, error) {
	g := &typeGen{sc: sc, ix: ix, set: set, used: map[string]bool{
		"Schema": true, "SetName": true, "DecodeDocument": true, "DecodeFragment": true,
	}, structs: map[*xsd.Type]*structInfo{}, enums: map[int32]*enumInfo{}}
	// Names of named complex types first: exact names, then stripped ones.
	var named []*xsd.Type
	for _, t := range set.NamedTypes {
		if t.Complex {
			named = append(named, t)
		}
	}
	for _, t := range named {
		if !strings.HasSuffix(t.Name.Local, "Type") {
			g.used[goName(t.Name.Local)] = true
		}
	}
	pre := map[*xsd.Type]string{}
	for _, t := range named {
		full := goName(t.Name.Local)
		if strings.HasSuffix(t.Name.Local, "Type") {
			pre[t] = g.claim(goName(strings.TrimSuffix(t.Name.Local, "Type")), full)
		} else {
			pre[t] = full
		}
	}
	// Structs reachable from the element declarations.
	for _, e := range set.Elements {
		if e.Type.Complex {
			if _, err := g.structOf(e.Type, goName(e.Name.Local), pre); err != nil {
				return nil, fmt.Errorf("element %s: %w", e.Name, err)
			}
		} else if _, _, err := g.simple(e.Type, goName(e.Name.Local)); err != nil {
			return nil, fmt.Errorf("element %s: %w", e.Name, err)
		}
	}
	if err := g.rootTypes(pre); err != nil {
		return nil, err
	}
	g.planStatic()
	return g.emit(pkg, schemaPath)
}

func (g *typeGen) rootTypes(pre map[*xsd.Type]string) error {
	users := map[*xsd.Type]int{}
	var globals []*xsd.Element
	for _, e := range g.set.Elements {
		if e.Global && !e.Abstract {
			globals = append(globals, e)
			users[e.Type]++
		}
	}
	inFrag := map[int32]bool{}
	for _, el := range g.sc.Frag {
		inFrag[el] = true
	}
	for _, e := range globals {
		idx := g.ix.Elements[e]
		r := &rootInfo{el: e, idx: idx, doc: true, frag: inFrag[idx]}
		switch {
		case e.Type.Complex && users[e.Type] == 1:
			r.st = g.structs[e.Type]
		case e.Type.Complex:
			inner := g.structs[e.Type]
			r.st = &structInfo{name: g.claim(goName(e.Name.Local), goName(e.Name.Local)+"Element"),
				doc: fmt.Sprintf("is the global element %s, of type %s.", e.Name.Local, inner.name), embed: inner}
			g.order = append(g.order, r.st)
		default:
			kind, goType, err := g.simple(e.Type, goName(e.Name.Local))
			if err != nil {
				return err
			}
			dt := g.ix.Datatypes[e.Type]
			r.st = &structInfo{name: g.claim(goName(e.Name.Local), goName(e.Name.Local)+"Element"),
				doc:   fmt.Sprintf("is the global element %s, of simple type %s.", e.Name.Local, typeLabel(e.Type)),
				value: &field{name: "Value", kind: kind, goType: goType, index: dt}}
			g.order = append(g.order, r.st)
		}
		g.roots = append(g.roots, r)
	}
	// Local elements of the fragment grammar.
	isRoot := map[int32]bool{}
	rootStruct := map[*structInfo]bool{}
	for _, r := range g.roots {
		isRoot[r.idx] = true
		rootStruct[r.st] = true
	}
	rev := map[int32]*xsd.Element{}
	for _, e := range g.set.Elements {
		if idx, ok := g.ix.Elements[e]; ok {
			if _, dup := rev[idx]; !dup {
				rev[idx] = e
			}
		}
	}
	for _, idx := range g.sc.Frag {
		e := rev[idx]
		if isRoot[idx] || e == nil {
			continue
		}
		r := &rootInfo{el: e, idx: idx, frag: true}
		base := goName(e.Name.Local)
		if e.Type.Complex {
			inner := g.structs[e.Type]
			if !rootStruct[inner] {
				r.st = inner
			} else {
				r.st = &structInfo{name: g.claim(base, base+"Fragment"),
					doc: fmt.Sprintf("is the local element %s as a fragment, of type %s.", e.Name.Local, inner.name), embed: inner}
				g.order = append(g.order, r.st)
			}
		} else {
			kind, goType, err := g.simple(e.Type, base)
			if err != nil {
				return err
			}
			r.st = &structInfo{name: g.claim(base, base+"Fragment"),
				doc:   fmt.Sprintf("is the local element %s as a fragment, of simple type %s.", e.Name.Local, typeLabel(e.Type)),
				value: &field{name: "Value", kind: kind, goType: goType, index: g.ix.Datatypes[e.Type]}}
			g.order = append(g.order, r.st)
		}
		rootStruct[r.st] = true
		g.roots = append(g.roots, r)
	}
	return nil
}

func typeLabel(t *xsd.Type) string {
	if t.Name.Local != "" {
		return t.Name.Local
	}
	return "(anonymous)"
}

// bounds returns the effective inclusive range facets of an integer type.
func bounds(t *xsd.Type) (min, max *big.Int) {
	for c := t; c != nil; c = c.Base {
		if c.MinInc != nil && (min == nil || c.MinInc.Cmp(min) > 0) {
			min = c.MinInc
		}
		if c.MaxInc != nil && (max == nil || c.MaxInc.Cmp(max) < 0) {
			max = c.MaxInc
		}
	}
	return min, max
}

func intType(min, max *big.Int) (vkind, string) {
	if min == nil || max == nil {
		return vkBig, "*big.Int"
	}
	type cand struct {
		name     string
		lo, hi   string
		unsigned bool
	}
	for _, c := range []cand{
		{"uint8", "0", "255", true}, {"int8", "-128", "127", false},
		{"uint16", "0", "65535", true}, {"int16", "-32768", "32767", false},
		{"uint32", "0", "4294967295", true}, {"int32", "-2147483648", "2147483647", false},
		{"uint64", "0", "18446744073709551615", true}, {"int64", "-9223372036854775808", "9223372036854775807", false},
	} {
		lo, _ := new(big.Int).SetString(c.lo, 10)
		hi, _ := new(big.Int).SetString(c.hi, 10)
		if min.Cmp(lo) >= 0 && max.Cmp(hi) <= 0 {
			if c.unsigned {
				return vkUint, c.name
			}
			return vkInt, c.name
		}
	}
	return vkBig, "*big.Int"
}

// simple returns the Go representation of a simple type.
func (g *typeGen) simple(t *xsd.Type, hint string) (vkind, string, error) {
	dti, ok := g.ix.Datatypes[t]
	if !ok {
		return 0, "", fmt.Errorf("no datatype for simple type %s", t.Name)
	}
	dt := &g.sc.Types[dti]
	switch dt.Kind {
	case exi.TString:
		return vkString, "string", nil
	case exi.TBoolean:
		return vkBool, "bool", nil
	case exi.THexBinary, exi.TBase64:
		return vkBinary, "[]byte", nil
	case exi.TEnum:
		return vkEnum, g.enum(dti, t, hint).name, nil
	}
	k, name := intType(bounds(t))
	if k == vkBig {
		g.useBig = true
	}
	return k, name, nil
}

func (g *typeGen) enum(dti int32, t *xsd.Type, hint string) *enumInfo {
	if e, ok := g.enums[dti]; ok {
		return e
	}
	dt := &g.sc.Types[dti]
	var name string
	if t.Name.Local != "" {
		name = g.claim(goName(strings.TrimSuffix(t.Name.Local, "Type")), goName(t.Name.Local))
	} else {
		name = g.claim(hint, hint+"Enum")
	}
	e := &enumInfo{dt: dti, name: name, lits: dt.Enum,
		doc: fmt.Sprintf("is the enumeration %s; a value is the index of its literal in the schema.", typeLabel(t))}
	seen := map[string]bool{}
	for _, l := range dt.Enum {
		c := name + goName(l)
		if l == "" {
			c = name + "Empty"
		}
		for i := 2; seen[c] || g.used[c]; i++ {
			c = name + goName(l) + strconv.Itoa(i)
		}
		seen[c] = true
		g.used[c] = true
		e.consts = append(e.consts, c)
	}
	g.enums[dti] = e
	g.enumList = append(g.enumList, e)
	return e
}

// members lists the declarations an element particle matches (the
// substitution-group closure), without abstract ones, sorted by qname.
func members(e *xsd.Element) []*xsd.Element {
	var out []*xsd.Element
	seen := map[*xsd.Element]bool{}
	var walk func(*xsd.Element)
	walk = func(x *xsd.Element) {
		if seen[x] {
			return
		}
		seen[x] = true
		if !x.Abstract {
			out = append(out, x)
		}
		for _, m := range x.Members {
			walk(m)
		}
	}
	walk(e)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name.Less(out[j].Name) })
	return out
}

func leaves(p *xsd.Particle) int {
	switch p.Kind {
	case xsd.PElement:
		return len(members(p.Element))
	case xsd.PAny:
		return 1
	}
	n := 0
	for _, c := range p.Children {
		n += leaves(c)
	}
	return n
}

type errRaw struct{}

func (errRaw) Error() string { return "raw" }

func mulMax(a, b int) int {
	if a == xsd.Unbounded || b == xsd.Unbounded {
		return xsd.Unbounded
	}
	return a * b
}

func (g *typeGen) structOf(t *xsd.Type, hint string, pre map[*xsd.Type]string) (*structInfo, error) {
	if s, ok := g.structs[t]; ok {
		return s, nil
	}
	s := &structInfo{t: t}
	if n, ok := pre[t]; ok {
		s.name = n
		s.doc = fmt.Sprintf("is the XSD complex type %s (%s).", t.Name.Local, t.Name.NS)
	} else {
		s.name = g.claim(hint, hint+"Type")
		s.doc = fmt.Sprintf("is the anonymous complex type of element %s.", hint)
	}
	g.structs[t] = s
	g.order = append(g.order, s)
	fieldNames := map[string]bool{}
	name := func(base string, attr bool) string {
		c := base
		if attr && fieldNames[c] {
			c = base + "Attr"
		}
		for i := 2; fieldNames[c] || reservedFields[c]; i++ {
			c = base + strconv.Itoa(i)
		}
		fieldNames[c] = true
		return c
	}
	// Attributes in grammar order.
	attrs := append([]*xsd.AttrUse(nil), t.Attrs...)
	sort.SliceStable(attrs, func(i, j int) bool { return attrs[i].Name.Less(attrs[j].Name) })
	for _, a := range attrs {
		at, ok := g.ix.Attribute(a)
		if !ok {
			return nil, fmt.Errorf("attribute %s has no index", a.Name)
		}
		k, gt, err := g.simple(a.Type, s.name+goName(a.Name.Local))
		if err != nil {
			return nil, err
		}
		s.attrs = append(s.attrs, &field{name: name(goName(a.Name.Local), true), xsdName: a.Name.Local, attr: true,
			index: at, kind: k, goType: gt, optional: !a.Required})
	}
	if t.SimpleContent != nil {
		k, gt, err := g.simple(t.SimpleContent, s.name+"Value")
		if err != nil {
			return nil, err
		}
		s.value = &field{name: name("Value", false), kind: k, goType: gt, index: g.ix.Datatypes[t.SimpleContent]}
		return s, nil
	}
	if t.Content == nil {
		if t.Mixed {
			s.raw = true
		}
		return s, nil
	}
	var fields []*field
	var choices []*choice
	seenEl := map[int32]bool{}
	var walk func(p *xsd.Particle, optional bool, mmin, mmax int) error
	addElem := func(e *xsd.Element, optional bool, min, max int) (*field, error) {
		idx, ok := g.ix.Elements[e]
		if !ok {
			return nil, fmt.Errorf("element %s has no index", e.Name)
		}
		if seenEl[idx] {
			return nil, errRaw{}
		}
		seenEl[idx] = true
		f := &field{name: goName(e.Name.Local), xsdName: e.Name.Local, index: idx, optional: optional,
			min: min, max: max, list: max != 1}
		if e.Type.Complex {
			st, err := g.structOf(e.Type, s.name+goName(e.Name.Local), pre)
			if err != nil {
				return nil, err
			}
			f.kind, f.goType, f.st = vkStruct, st.name, st
		} else {
			k, gt, err := g.simple(e.Type, s.name+goName(e.Name.Local))
			if err != nil {
				return nil, err
			}
			f.kind, f.goType = k, gt
		}
		if f.list {
			f.optional = false
		}
		fields = append(fields, f)
		return f, nil
	}
	walk = func(p *xsd.Particle, optional bool, mmin, mmax int) error {
		switch p.Kind {
		case xsd.PAny:
			return errRaw{}
		case xsd.PElement:
			ms := members(p.Element)
			min, max := p.Min*mmin, mulMax(p.Max, mmax)
			if len(ms) == 1 {
				_, err := addElem(ms[0], optional || min == 0, min, max)
				return err
			}
			if max != 1 {
				return errRaw{}
			}
			c := &choice{required: !optional && min > 0}
			for _, m := range ms {
				f, err := addElem(m, true, 0, 1)
				if err != nil {
					return err
				}
				c.fields = append(c.fields, f)
			}
			choices = append(choices, c)
			return nil
		}
		if p.Max != 1 {
			if leaves(p) != 1 {
				return errRaw{}
			}
			mmin, mmax = mmin*p.Min, mulMax(p.Max, mmax)
		} else if p.Min == 0 {
			optional = true
		}
		if p.Kind == xsd.PSequence {
			for _, c := range p.Children {
				if err := walk(c, optional || mmin == 0, mmin, mmax); err != nil {
					return err
				}
			}
			return nil
		}
		simpleChoice := mmax == 1
		for _, c := range p.Children {
			if c.Kind != xsd.PElement || c.Max != 1 || len(members(c.Element)) != 1 {
				simpleChoice = false
			}
		}
		start := len(fields)
		nullable := false
		for _, c := range p.Children {
			if c.Min == 0 {
				nullable = true
			}
			if err := walk(c, true, mmin, mmax); err != nil {
				return err
			}
		}
		if simpleChoice {
			choices = append(choices, &choice{fields: append([]*field(nil), fields[start:]...), required: !optional && p.Min > 0 && !nullable})
		}
		return nil
	}
	err := walk(t.Content, false, 1, 1)
	if t.Mixed {
		err = errRaw{}
	}
	if _, ok := err.(errRaw); ok {
		s.raw = true
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		f.name = name(f.name, false)
	}
	s.fields = fields
	s.choices = choices
	return s, nil
}

// Emission ------------------------------------------------------------

func (f *field) fieldType() string {
	switch {
	case f.list:
		return "[]" + f.goType
	case f.optional && f.kind != vkBinary && f.kind != vkBig:
		return "*" + f.goType
	}
	return f.goType
}

// writer returns the encoder call for value v of field kind.
func writer(k vkind, v string) string {
	switch k {
	case vkString:
		return "e.String(" + v + ")"
	case vkBinary:
		return "e.Binary(" + v + ")"
	case vkBool:
		return "e.Bool(" + v + ")"
	case vkInt:
		return "e.Int(int64(" + v + "))"
	case vkUint:
		return "e.Uint(uint64(" + v + "))"
	case vkBig:
		return "e.BigInt(" + v + ")"
	case vkEnum:
		return "e.Enum(int(" + v + "))"
	}
	panic("writer")
}

func elemWriter(k vkind, el int32, v string) string {
	switch k {
	case vkString:
		return fmt.Sprintf("e.StringElement(%d, %s)", el, v)
	case vkBinary:
		return fmt.Sprintf("e.BinaryElement(%d, %s)", el, v)
	case vkBool:
		return fmt.Sprintf("e.BoolElement(%d, %s)", el, v)
	case vkInt:
		return fmt.Sprintf("e.IntElement(%d, int64(%s))", el, v)
	case vkUint:
		return fmt.Sprintf("e.UintElement(%d, uint64(%s))", el, v)
	case vkBig:
		return fmt.Sprintf("e.BigIntElement(%d, %s)", el, v)
	case vkEnum:
		return fmt.Sprintf("e.EnumElement(%d, int(%s))", el, v)
	}
	panic("elemWriter")
}

// reader returns the decoder expression for a value of field f; old is the
// previous value, for buffer reuse.
func reader(f *field, elem bool, old string) string {
	pfx := ""
	if elem {
		pfx = "Element"
	}
	switch f.kind {
	case vkString:
		return "d." + pfx + "String()"
	case vkBinary:
		if elem {
			return "d.ElementBinary(" + old + ")"
		}
		return "d.AppendBinary(" + old + ")"
	case vkBool:
		return "d." + pfx + "Bool()"
	case vkInt:
		return f.goType + "(d." + pfx + "Int())"
	case vkUint:
		return f.goType + "(d." + pfx + "Uint())"
	case vkBig:
		return "d." + pfx + "BigInt()"
	case vkEnum:
		return f.goType + "(d." + pfx + "Enum())"
	}
	panic("reader")
}

func (g *typeGen) emit(pkg, schemaPath string) ([]byte, error) {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("// Code generated by exigen from %s; DO NOT EDIT.\n\n", filepath.ToSlash(schemaPath))
	p("package %s\n\nimport (\n", pkg)
	if g.useBig {
		p("\t\"math/big\"\n")
	}
	if len(g.enumList) > 0 {
		p("\t\"strconv\"\n")
	}
	p("\n\t\"github.com/v2gstack/iso15118/exi\"\n)\n\n")
	for _, e := range g.enumList {
		typ := "uint8"
		if len(e.lits) > 256 {
			typ = "uint16"
		}
		p("// %s %s\ntype %s %s\n\n", e.name, e.doc, e.name, typ)
		p("// Values of %s.\nconst (\n", e.name)
		for i, c := range e.consts {
			if i == 0 {
				p("\t%s %s = iota // %s\n", c, e.name, e.lits[i])
			} else {
				p("\t%s // %s\n", c, e.lits[i])
			}
		}
		p(")\n\n")
		p("// String returns the schema literal of v.\nfunc (v %s) String() string {\n\tswitch v {\n", e.name)
		for i, c := range e.consts {
			p("\tcase %s:\n\t\treturn %q\n", c, e.lits[i])
		}
		p("\t}\n\treturn \"%s(\" + strconv.Itoa(int(v)) + \")\"\n}\n\n", e.name)
	}
	for _, s := range g.order {
		g.emitStruct(&b, s)
	}
	for _, r := range g.roots {
		g.emitRoot(&b, r)
	}
	g.emitDispatch(&b, false)
	g.emitDispatch(&b, true)
	src, err := format.Source(b.Bytes())
	if err != nil {
		return b.Bytes(), fmt.Errorf("formatting generated types: %w", err)
	}
	return src, nil
}

func (g *typeGen) emitStruct(b *bytes.Buffer, s *structInfo) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("// %s %s\n", s.name, s.doc)
	p("type %s struct {\n", s.name)
	if s.embed != nil {
		p("\t%s\n", s.embed.name)
	}
	for _, f := range s.attrs {
		opt := ""
		if f.optional {
			opt = ", optional"
		}
		p("\t%s %s // attribute %s%s\n", f.name, f.fieldType(), f.xsdName, opt)
	}
	for _, f := range s.fields {
		note := ""
		switch {
		case f.list && f.max < 0:
			note = fmt.Sprintf(", %d or more", f.min)
		case f.list:
			note = fmt.Sprintf(", %d to %d", f.min, f.max)
		case f.optional:
			note = ", optional"
		}
		p("\t%s %s // element %s%s\n", f.name, f.fieldType(), f.xsdName, note)
	}
	if s.value != nil {
		p("\tValue %s // character content\n", s.value.goType)
	}
	if s.raw {
		p("\t// Content holds the child elements and character data, which the\n\t// schema leaves open (wildcard or mixed content).\n\tContent []*exi.Node\n")
	}
	p("}\n\n")

	// Encoder.
	if _, ok := g.static[s]; ok {
		g.emitStaticEncoder(b, s)
		g.emitStaticDecoder(b, s)
	} else {
		g.emitEncoder(b, s)
		g.emitDecoder(b, s)
	}
}

func (g *typeGen) emitEncoder(b *bytes.Buffer, s *structInfo) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("func (x *%s) encodeEXI(e *exi.Encoder) {\n", s.name)
	if s.embed != nil {
		p("\tx.%s.encodeEXI(e)\n", s.embed.name)
	}
	for _, f := range s.attrs {
		v := "x." + f.name
		if f.optional {
			cond := v + " != nil"
			if f.kind != vkBinary && f.kind != vkBig {
				v = "*" + v
			}
			p("\tif %s {\n\t\te.Attribute(%d)\n\t\t%s\n\t}\n", cond, f.index, writer(f.kind, v))
		} else {
			p("\te.Attribute(%d)\n\t%s\n", f.index, writer(f.kind, v))
		}
	}
	for _, c := range s.choices {
		p("\tif n := 0")
		for _, f := range c.fields {
			p(" + present(x.%s != nil)", f.name)
		}
		if c.required {
			p("; n != 1 {\n\t\tif n == 0 {\n\t\t\te.Fail(exi.ErrMissing)\n\t\t} else {\n\t\t\te.Fail(exi.ErrUnexpected)\n\t\t}\n\t\treturn\n\t}\n")
		} else {
			p("; n > 1 {\n\t\te.Fail(exi.ErrUnexpected)\n\t\treturn\n\t}\n")
		}
	}
	for _, f := range s.fields {
		v := "x." + f.name
		switch {
		case f.list:
			if f.max >= 0 {
				p("\tif len(%s) > %d {\n\t\te.Fail(exi.ErrTooLong)\n\t\treturn\n\t}\n", v, f.max)
			}
			if f.min > 0 {
				p("\tif len(%s) < %d {\n\t\te.Fail(exi.ErrMissing)\n\t\treturn\n\t}\n", v, f.min)
			}
			p("\tfor i := range %s {\n", v)
			if f.kind == vkStruct {
				p("\t\te.StartElement(%d)\n\t\t%s[i].encodeEXI(e)\n\t\t%s\n", f.index, v, g.closeCall(f.st))
			} else {
				p("\t\t%s\n", elemWriter(f.kind, f.index, v+"[i]"))
			}
			p("\t}\n")
		case f.optional:
			p("\tif %s != nil {\n", v)
			if f.kind == vkStruct {
				p("\t\te.StartElement(%d)\n\t\t%s.encodeEXI(e)\n\t\t%s\n", f.index, v, g.closeCall(f.st))
			} else if f.kind == vkBinary || f.kind == vkBig {
				p("\t\t%s\n", elemWriter(f.kind, f.index, v))
			} else {
				p("\t\t%s\n", elemWriter(f.kind, f.index, "*"+v))
			}
			p("\t}\n")
		default:
			if f.kind == vkStruct {
				p("\te.StartElement(%d)\n\t%s.encodeEXI(e)\n\t%s\n", f.index, v, g.closeCall(f.st))
			} else {
				p("\t%s\n", elemWriter(f.kind, f.index, v))
			}
		}
	}
	if s.value != nil {
		if s.value.kind == vkBinary {
			p("\tif len(x.Value) > 0 {\n\t\te.Characters()\n\t\t%s\n\t}\n", writer(vkBinary, "x.Value"))
		} else if s.value.kind == vkString {
			p("\tif x.Value != \"\" {\n\t\te.Characters()\n\t\t%s\n\t}\n", writer(vkString, "x.Value"))
		} else {
			p("\te.Characters()\n\t%s\n", writer(s.value.kind, "x.Value"))
		}
	}
	if s.raw {
		p("\te.Content(x.Content)\n")
	}
	p("}\n\n")

}

func (g *typeGen) emitDecoder(b *bytes.Buffer, s *structInfo) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("func (x *%s) decodeEXI(d *exi.Decoder) {\n", s.name)
	if s.embed != nil {
		p("\tx.%s.decodeEXI(d)\n}\n\n", s.embed.name)
		return
	}
	needOld := false
	for _, f := range append(append([]*field(nil), s.attrs...), s.fields...) {
		if f.list || f.optional || f.kind == vkStruct || f.kind == vkBinary {
			needOld = true
		}
	}
	if s.value != nil && s.value.kind == vkBinary {
		needOld = true
	}
	if needOld {
		p("\told := *x\n")
	}
	p("\t*x = %s{}\n", s.name)
	attrCase := func(f *field) {
		v := "x." + f.name
		switch {
		case f.kind == vkBinary:
			p("\t\t\t%s = %s\n", v, reader(f, false, "old."+f.name+"[:0]"))
		case f.optional && f.kind != vkBig:
			p("\t\t\t%s = old.%s\n\t\t\tif %s == nil {\n\t\t\t\t%s = new(%s)\n\t\t\t}\n\t\t\t*%s = %s\n", v, f.name, v, v, f.goType, v, reader(f, false, ""))
		default:
			p("\t\t\t%s = %s\n", v, reader(f, false, ""))
		}
	}
	if s.raw {
		if len(s.attrs) > 0 {
			p("\tfor {\n\t\tat, ok := d.NextAttribute()\n\t\tif !ok {\n\t\t\tbreak\n\t\t}\n\t\tswitch at {\n")
			for _, f := range s.attrs {
				p("\t\tcase %d:\n", f.index)
				attrCase(f)
			}
			p("\t\tdefault:\n\t\t\td.Unexpected(exi.Event{Kind: exi.EvAT, Index: at})\n\t\t\treturn\n\t\t}\n\t}\n")
		}
		p("\tx.Content = d.Content()\n}\n\n")
		return
	}
	p("\tfor {\n\t\tev, err := d.Next()\n\t\tif err != nil {\n\t\t\treturn\n\t\t}\n\t\tswitch ev.Kind {\n\t\tcase exi.EvEE:\n\t\t\treturn\n")
	if len(s.attrs) > 0 {
		p("\t\tcase exi.EvAT:\n\t\t\tswitch ev.Index {\n")
		for _, f := range s.attrs {
			p("\t\t\tcase %d:\n", f.index)
			b2 := &bytes.Buffer{}
			_ = b2
			attrCase(f)
		}
		p("\t\t\tdefault:\n\t\t\t\td.Unexpected(ev)\n\t\t\t\treturn\n\t\t\t}\n")
	}
	if len(s.fields) > 0 {
		p("\t\tcase exi.EvSE:\n\t\t\tswitch ev.Index {\n")
		for _, f := range s.fields {
			v := "x." + f.name
			p("\t\t\tcase %d:\n", f.index)
			switch {
			case f.list:
				p("\t\t\t\tif %s == nil {\n\t\t\t\t\t%s = old.%s[:0]\n\t\t\t\t}\n", v, v, f.name)
				if f.max >= 0 {
					p("\t\t\t\tif len(%s) >= %d {\n\t\t\t\t\td.Fail(exi.ErrTooLong)\n\t\t\t\t\treturn\n\t\t\t\t}\n", v, f.max)
				}
				if f.kind == vkStruct {
					p("\t\t\t\tif n := len(%s); n < cap(%s) {\n\t\t\t\t\t%s = %s[:n+1]\n\t\t\t\t} else {\n\t\t\t\t\t%s = append(%s, %s{})\n\t\t\t\t}\n\t\t\t\t%s[len(%s)-1].decodeEXI(d)\n%s",
						v, v, v, v, v, v, f.goType, v, v, g.afterDecode(f.st))
				} else {
					old := "nil"
					if f.kind == vkBinary {
						old = "nil"
					}
					p("\t\t\t\t%s = append(%s, %s)\n", v, v, reader(f, true, old))
				}
			case f.kind == vkStruct && f.optional:
				p("\t\t\t\t%s = old.%s\n\t\t\t\tif %s == nil {\n\t\t\t\t\t%s = new(%s)\n\t\t\t\t}\n\t\t\t\t%s.decodeEXI(d)\n%s", v, f.name, v, v, f.goType, v, g.afterDecode(f.st))
			case f.kind == vkStruct:
				p("\t\t\t\t%s = old.%s\n\t\t\t\t%s.decodeEXI(d)\n%s", v, f.name, v, g.afterDecode(f.st))
			case f.kind == vkBinary:
				p("\t\t\t\t%s = %s\n", v, reader(f, true, "old."+f.name+"[:0]"))
			case f.optional && f.kind != vkBig:
				p("\t\t\t\t%s = old.%s\n\t\t\t\tif %s == nil {\n\t\t\t\t\t%s = new(%s)\n\t\t\t\t}\n\t\t\t\t*%s = %s\n", v, f.name, v, v, f.goType, v, reader(f, true, ""))
			default:
				p("\t\t\t\t%s = %s\n", v, reader(f, true, ""))
			}
		}
		p("\t\t\tdefault:\n\t\t\t\td.Unexpected(ev)\n\t\t\t\treturn\n\t\t\t}\n")
	}
	if s.value != nil {
		old := ""
		if s.value.kind == vkBinary {
			old = "old.Value[:0]"
		}
		p("\t\tcase exi.EvCH:\n\t\t\tx.Value = %s\n", reader(s.value, false, old))
	}
	p("\t\tdefault:\n\t\t\td.Unexpected(ev)\n\t\t\treturn\n\t\t}\n\t}\n}\n\n")
}

func (g *typeGen) emitRoot(b *bytes.Buffer, r *rootInfo) {
	n, el, name := r.st.name, r.idx, r.el.Name.Local
	if r.doc {
		g.emitDocRoot(b, n, el, name, g.closeCall(r.st), g.afterDecode(r.st))
	}
	if r.frag {
		g.emitFragRoot(b, n, el, name, g.closeCall(r.st), g.afterDecode(r.st))
	}
}

func (g *typeGen) emitDocRoot(b *bytes.Buffer, n string, el int32, name, closeCall, afterDecode string) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("// AppendEXI appends the EXI document of x as element %s, header included,\n// to dst and returns the extended buffer. At the ISO 15118 profile it does\n// not allocate when dst has enough capacity.\n", name)
	p("func (x *%s) AppendEXI(dst []byte, opt exi.Options) ([]byte, error) {\n\tvar e exi.Encoder\n\te.Reset(schema(), dst, opt)\n\te.StartElement(%d)\n\tx.encodeEXI(&e)\n\t%s\n\treturn e.Finish()\n}\n\n", n, el, closeCall)
	p("// DecodeEXI resets x and fills it from the EXI document b, whose root\n// must be element %s. Nothing in x aliases b; slices and pointers already in\n// x may be reused.\n", name)
	p("func (x *%s) DecodeEXI(b []byte, opt exi.Options) error {\n\tvar d exi.Decoder\n\td.Reset(schema(), b, opt)\n\tif err := d.Root(%d); err != nil {\n\t\treturn err\n\t}\n\tx.decodeEXI(&d)\n%s\treturn d.Finish()\n}\n\n", n, el, afterDecode)
}

func (g *typeGen) emitFragRoot(b *bytes.Buffer, n string, el int32, name, closeCall, afterDecode string) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("// AppendEXIFragment appends an EXI fragment holding x as its one element\n// %s, header included, to dst.\n", name)
	p("func (x *%s) AppendEXIFragment(dst []byte, opt exi.Options) ([]byte, error) {\n\tvar e exi.Encoder\n\te.ResetFragment(schema(), dst, opt)\n\te.StartElement(%d)\n\tx.encodeEXI(&e)\n\t%s\n\treturn e.Finish()\n}\n\n", n, el, closeCall)
	p("// DecodeEXIFragment resets x and fills it from the EXI fragment b, which\n// must hold exactly one element %s.\n", name)
	p("func (x *%s) DecodeEXIFragment(b []byte, opt exi.Options) error {\n\tvar d exi.Decoder\n\td.ResetFragment(schema(), b, opt)\n\tif err := d.Root(%d); err != nil {\n\t\treturn err\n\t}\n\tx.decodeEXI(&d)\n%s\treturn d.Finish()\n}\n\n", n, el, afterDecode)
}

func (g *typeGen) emitDispatch(b *bytes.Buffer, frag bool) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	if frag {
		p("// DecodeFragment decodes an EXI fragment of one element into the\n// generated type of that element.\nfunc DecodeFragment(b []byte, opt exi.Options) (exi.Fragment, error) {\n\tvar d exi.Decoder\n\td.ResetFragment(schema(), b, opt)\n")
	} else {
		p("// DecodeDocument decodes an EXI document into the generated type of its\n// root element.\nfunc DecodeDocument(b []byte, opt exi.Options) (exi.Message, error) {\n\tvar d exi.Decoder\n\td.Reset(schema(), b, opt)\n")
	}
	iface := "exi.Message"
	if frag {
		iface = "exi.Fragment"
	}
	p("\tev, err := d.Next()\n\tif err != nil {\n\t\treturn nil, err\n\t}\n\tvar m %s\n\tswitch ev.Index {\n", iface)
	for _, r := range g.roots {
		if (frag && !r.frag) || (!frag && !r.doc) {
			continue
		}
		p("\tcase %d:\n\t\tx := new(%s)\n\t\tx.decodeEXI(&d)\n%s\t\tm = x\n", r.idx, r.st.name, g.afterDecode(r.st))
	}
	p("\tdefault:\n\t\treturn nil, d.Unexpected(ev)\n\t}\n\tif err := d.Finish(); err != nil {\n\t\treturn nil, err\n\t}\n\treturn m, nil\n}\n\n")
	if !frag {
		p("func present(b bool) int {\n\tif b {\n\t\treturn 1\n\t}\n\treturn 0\n}\n")
	}
}
