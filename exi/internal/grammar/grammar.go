// Package grammar derives the EXI 1.0 schema-informed grammars (§8.5) of a
// schema set read by package xsd, as the data model of package exi.
//
// Content models are turned into their position automaton: one state before
// any content and one after each leaf particle, which is the normalised EXI
// grammar of a deterministic (UPA-conforming) content model. Element
// particles with bounds other than 0..1, 1..1 and 0/1..unbounded are coded
// with counted states (exi.Rep) instead of EXIficient's unrolled copies; the
// event codes are the same.
package grammar

import (
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"sort"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/exi/internal/xsd"
)

// ErrUnsupported marks schema constructs the builder does not handle.
var ErrUnsupported = errors.New("grammar: unsupported construct")

// XSDTypeNames are the built-in type names that seed the XML Schema
// namespace's local-name partition (EXI Appendix D.3, Table D-5).
var XSDTypeNames = []string{
	"ENTITIES", "ENTITY", "ID", "IDREF", "IDREFS", "NCName", "NMTOKEN", "NMTOKENS",
	"NOTATION", "Name", "QName", "anySimpleType", "anyType", "anyURI", "base64Binary",
	"boolean", "byte", "date", "dateTime", "decimal", "double", "duration", "float",
	"gDay", "gMonth", "gMonthDay", "gYear", "gYearMonth", "hexBinary", "int", "integer",
	"language", "long", "negativeInteger", "nonNegativeInteger", "nonPositiveInteger",
	"normalizedString", "positiveInteger", "short", "string", "time", "token",
	"unsignedByte", "unsignedInt", "unsignedLong", "unsignedShort",
}

type builder struct {
	set   *xsd.Set
	out   *exi.Schema
	uriID map[string]int32
	local []map[string]int32
	elems map[*xsd.Element]int32
	types map[*xsd.Type]int32 // datatypes
	gram  map[*xsd.Type]int32 // grammars of complex types and of simple types
	attrs map[attrKey]int32

	efGrammar int32 // the ElementFragment grammar, or -1
	efAttrs   []exi.Prod
}

type attrKey struct {
	name xsd.QName
	typ  *xsd.Type
}

// Index maps the declarations of an xsd.Set to the indices of the
// exi.Schema built from it, for generators of typed code.
type Index struct {
	// Elements maps each element declaration to its exi element index.
	Elements map[*xsd.Element]int32
	// Datatypes maps each simple type (and simple content type) to its
	// exi datatype index.
	Datatypes map[*xsd.Type]int32
	attrs     map[attrKey]int32
}

// Attribute returns the exi attribute index of an attribute use.
func (ix *Index) Attribute(a *xsd.AttrUse) (int32, bool) {
	id, ok := ix.attrs[attrKey{a.Name, a.Type}]
	return id, ok
}

// Build compiles set into an exi.Schema named name.
func Build(set *xsd.Set, name string) (*exi.Schema, error) {
	sc, _, err := BuildIndexed(set, name)
	return sc, err
}

// BuildIndexed is Build that also returns the declaration index.
func BuildIndexed(set *xsd.Set, name string) (*exi.Schema, *Index, error) {
	b := &builder{
		set:   set,
		out:   &exi.Schema{Name: name},
		uriID: map[string]int32{},
		elems: map[*xsd.Element]int32{},
		types: map[*xsd.Type]int32{},
		gram:  map[*xsd.Type]int32{},
		attrs: map[attrKey]int32{},

		efGrammar: -1,
	}
	b.stringTable()
	for _, e := range set.Elements {
		if _, err := b.element(e); err != nil {
			return nil, nil, err
		}
	}
	// Document grammar: every global element, sorted by local name then URI.
	var globals []*xsd.Element
	for _, e := range set.Elements {
		if e.Global {
			globals = append(globals, e)
		}
	}
	sort.SliceStable(globals, func(i, j int) bool { return globals[i].Name.Less(globals[j].Name) })
	for _, e := range globals {
		b.out.Doc = append(b.out.Doc, b.elems[e])
	}
	// Fragment grammar: one SE per distinct qname among all declarations.
	byName := map[xsd.QName][]*xsd.Element{}
	var names []xsd.QName
	for _, e := range set.Elements {
		if _, ok := byName[e.Name]; !ok {
			names = append(names, e.Name)
		}
		byName[e.Name] = append(byName[e.Name], e)
	}
	sort.SliceStable(names, func(i, j int) bool { return names[i].Less(names[j]) })
	for _, q := range names {
		decls := byName[q]
		pick := decls[0]
		for _, d := range decls {
			if d.Global {
				pick = d
				break
			}
		}
		same := true
		for _, d := range decls[1:] {
			if d.Type != decls[0].Type || d.Nillable != decls[0].Nillable {
				same = false
			}
		}
		if same {
			b.out.Frag = append(b.out.Frag, b.elems[pick])
			continue
		}
		id, err := b.relaxed(q, decls)
		if err != nil {
			return nil, nil, err
		}
		b.out.Frag = append(b.out.Frag, id)
	}
	b.finishRelaxed()
	for _, t := range set.NamedTypes {
		g, err := b.grammar(t)
		if err != nil {
			return nil, nil, fmt.Errorf("grammar: type %s: %w", t.Name, err)
		}
		q, err := b.qname(t.Name)
		if err != nil {
			return nil, nil, err
		}
		b.out.TypeGrammars = append(b.out.TypeGrammars, exi.TypeGrammar{Name: q, Grammar: g})
	}
	return b.out.Init(), &Index{Elements: b.elems, Datatypes: b.types, attrs: b.attrs}, nil
}

func (b *builder) stringTable() {
	uris := []string{"", "http://www.w3.org/XML/1998/namespace", "http://www.w3.org/2001/XMLSchema-instance", xsd.NS}
	for _, ns := range b.set.Namespaces {
		if ns != uris[1] && ns != uris[2] && ns != uris[3] {
			uris = append(uris, ns)
		}
	}
	names := make([][]string, len(uris))
	names[exi.URIEmpty] = append([]string(nil), b.set.LocalNames[""]...)
	names[exi.URIXML] = []string{"base", "id", "lang", "space"}
	names[exi.URIXSI] = []string{"nil", "type"}
	names[exi.URIXSD] = append([]string(nil), XSDTypeNames...)
	for i := 4; i < len(uris); i++ {
		names[i] = append([]string(nil), b.set.LocalNames[uris[i]]...)
	}
	b.out.URIs = uris
	b.out.LocalNames = names
	b.local = make([]map[string]int32, len(uris))
	for i, u := range uris {
		b.uriID[u] = int32(i)
		b.local[i] = map[string]int32{}
		for j, n := range names[i] {
			b.local[i][n] = int32(j)
		}
	}
}

func (b *builder) qname(q xsd.QName) (exi.QName, error) {
	u, ok := b.uriID[q.NS]
	if !ok {
		return exi.QName{}, fmt.Errorf("grammar: namespace %q not in the string table", q.NS)
	}
	l, ok := b.local[u][q.Local]
	if !ok {
		return exi.QName{}, fmt.Errorf("grammar: local name %s not in the string table", q)
	}
	return exi.QName{URI: u, Local: l}, nil
}

func (b *builder) element(e *xsd.Element) (int32, error) {
	if id, ok := b.elems[e]; ok {
		return id, nil
	}
	q, err := b.qname(e.Name)
	if err != nil {
		return 0, err
	}
	id := int32(len(b.out.Elements))
	b.elems[e] = id
	b.out.Elements = append(b.out.Elements, exi.Element{Name: q, Grammar: -1, Global: e.Global})
	g, err := b.grammar(e.Type)
	if err != nil {
		return 0, fmt.Errorf("grammar: element %s: %w", e.Name, err)
	}
	b.out.Elements[id].Grammar = g
	return id, nil
}

// datatype maps a simple type to its EXI representation.
func (b *builder) datatype(t *xsd.Type) (int32, error) {
	if id, ok := b.types[t]; ok {
		return id, nil
	}
	dt, err := b.datatypeOf(t)
	if err != nil {
		return 0, err
	}
	id := int32(len(b.out.Types))
	b.out.Types = append(b.out.Types, dt)
	b.types[t] = id
	return id, nil
}

func (b *builder) datatypeOf(t *xsd.Type) (exi.Datatype, error) {
	dt := exi.Datatype{MaxLen: -1, Name: t.Name.Local}
	if dt.Name == "" {
		dt.Name = "(anonymous " + t.Builtin + ")"
	}
	// Walk the derivation chain for the primitive and the nearest facets.
	var enum []string
	var haveEnum bool
	length, minLen, maxLen := -1, -1, -1
	var minInc, maxInc *big.Int
	seen := map[string]bool{}
	for c := t; c != nil; c = c.Base {
		if !haveEnum && c.Enum != nil {
			enum, haveEnum = c.Enum, true
		}
		if length < 0 && c.Length >= 0 {
			length = c.Length
		}
		if minLen < 0 && c.MinLen >= 0 {
			minLen = c.MinLen
		}
		if maxLen < 0 && c.MaxLen >= 0 {
			maxLen = c.MaxLen
		}
		if c.MinInc != nil && (minInc == nil || c.MinInc.Cmp(minInc) > 0) {
			minInc = c.MinInc
		}
		if c.MaxInc != nil && (maxInc == nil || c.MaxInc.Cmp(maxInc) < 0) {
			maxInc = c.MaxInc
		}
		if c.Name.NS == xsd.NS {
			seen[c.Name.Local] = true
		}
	}
	if length >= 0 {
		minLen, maxLen = length, length
	}
	if maxLen >= 0 {
		dt.MaxLen = int32(maxLen)
	}
	if minLen > 0 {
		dt.MinLen = int32(minLen)
	}
	var kind exi.TypeKind
	switch {
	case seen["integer"]:
		kind = exi.TInteger
	case seen["boolean"]:
		kind = exi.TBoolean
	case seen["hexBinary"]:
		kind = exi.THexBinary
	case seen["base64Binary"]:
		kind = exi.TBase64
	case seen["decimal"], seen["float"], seen["double"], seen["dateTime"], seen["date"],
		seen["time"], seen["duration"], seen["QName"]:
		return dt, fmt.Errorf("%w: datatype of %s", ErrUnsupported, dt.Name)
	default:
		kind = exi.TString
	}
	if kind == exi.TInteger {
		if minInc != nil && minInc.IsInt64() {
			dt.Min, dt.HasMin = minInc.Int64(), true
		}
		if maxInc != nil && maxInc.IsInt64() {
			dt.Max, dt.HasMax = maxInc.Int64(), true
		} else if maxInc != nil && maxInc.IsUint64() {
			dt.MaxUint, dt.HasMaxUint = maxInc.Uint64(), true
		}
		switch {
		case minInc != nil && maxInc != nil && new(big.Int).Sub(maxInc, minInc).Cmp(big.NewInt(4096)) < 0:
			r := new(big.Int).Sub(maxInc, minInc).Int64() + 1
			dt.Bits = uint8(bits.Len64(uint64(r - 1)))
			kind = exi.TNBit
		case minInc != nil && minInc.Sign() >= 0:
			kind = exi.TUnsigned
		}
	}
	if haveEnum && kind != exi.TBoolean {
		dt.Base = kind
		dt.Enum = enum
		dt.Bits = uint8(bits.Len(uint(len(enum) - 1)))
		if len(enum) <= 1 {
			dt.Bits = 0
		}
		kind = exi.TEnum
	}
	dt.Kind = kind
	return dt, nil
}

func (b *builder) attribute(a *xsd.AttrUse) (int32, error) {
	k := attrKey{a.Name, a.Type}
	if id, ok := b.attrs[k]; ok {
		return id, nil
	}
	q, err := b.qname(a.Name)
	if err != nil {
		return 0, err
	}
	dt, err := b.datatype(a.Type)
	if err != nil {
		return 0, fmt.Errorf("attribute %s: %w", a.Name, err)
	}
	id := int32(len(b.out.Attributes))
	b.out.Attributes = append(b.out.Attributes, exi.Attribute{Name: q, Type: dt})
	b.attrs[k] = id
	return id, nil
}
