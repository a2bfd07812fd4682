package xsd

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
)

// errUnsupported marks schema constructs outside the supported subset.
var errUnsupported = errors.New("xsd: unsupported construct")

func (s *Set) collect() error {
	names := map[string]map[string]bool{}
	addName := func(ns, local string) {
		if names[ns] == nil {
			names[ns] = map[string]bool{}
		}
		names[ns][local] = true
	}
	nsSeen := map[string]bool{}
	// Pass 1: register global components.
	for _, d := range s.order {
		if d.target != "" && !nsSeen[d.target] {
			nsSeen[d.target] = true
			s.Namespaces = append(s.Namespaces, d.target)
		}
		for _, k := range d.root.kids {
			if k.name.Space != NS {
				continue
			}
			name, has := k.get("name")
			q := QName{NS: d.target, Local: name}
			switch k.name.Local {
			case "element":
				if !has {
					return fmt.Errorf("xsd: %s: global element without name", d.path)
				}
				e := &Element{Name: q, Global: true, schema: d, anon: k}
				s.Globals[q] = e
			case "complexType", "simpleType":
				if !has {
					return fmt.Errorf("xsd: %s: global type without name", d.path)
				}
				t := &Type{Name: q, Complex: k.name.Local == "complexType", n: k, schema: d,
					Length: -1, MinLen: -1, MaxLen: -1}
				s.Types[q] = t
				s.NamedTypes = append(s.NamedTypes, t)
			case "attribute":
				s.attrs[q] = k
				s.attrSchema[q] = d
			case "import", "include", "annotation":
			default:
				return fmt.Errorf("%w: global <%s> in %s", errUnsupported, k.name.Local, d.path)
			}
		}
		// Local names of every declaration in this document.
		var walk func(n *node, top bool)
		walk = func(n *node, top bool) {
			for _, k := range n.kids {
				if k.name.Space != NS {
					continue
				}
				if name, ok := k.get("name"); ok {
					switch k.name.Local {
					case "element":
						form := k.attr["form"]
						if top || form == "qualified" || (form == "" && d.elemQual) {
							addName(d.target, name)
						} else {
							addName("", name)
						}
					case "attribute":
						form := k.attr["form"]
						if top || form == "qualified" || (form == "" && d.attrQual) {
							addName(d.target, name)
						} else {
							addName("", name)
						}
					case "complexType", "simpleType":
						addName(d.target, name)
					}
				}
				walk(k, false)
			}
		}
		walk(d.root, true)
	}
	sort.Strings(s.Namespaces)
	for ns, m := range names {
		l := make([]string, 0, len(m))
		for k := range m {
			l = append(l, k)
		}
		sort.Strings(l)
		s.LocalNames[ns] = l
	}
	// Pass 2: resolve global elements in declaration order, then every named type.
	for _, d := range s.order {
		for _, k := range d.root.kids {
			if k.name.Space == NS && k.name.Local == "element" {
				e := s.Globals[QName{NS: d.target, Local: k.attr["name"]}]
				if err := s.resolveElement(e, k, d); err != nil {
					return err
				}
			}
		}
	}
	for _, t := range s.NamedTypes {
		if err := s.resolveType(t); err != nil {
			return err
		}
	}
	// Substitution groups.
	for _, e := range s.Elements {
		if e.Global && e.substRef != (QName{}) {
			h, ok := s.Globals[e.substRef]
			if !ok {
				return fmt.Errorf("xsd: substitution group head %s not found", e.substRef)
			}
			e.SubstGroup = h
			h.Members = append(h.Members, e)
		}
	}
	return nil
}

func (s *Set) newElement(e *Element) *Element {
	e.Order = s.nextOrder
	s.nextOrder++
	s.Elements = append(s.Elements, e)
	return e
}

func (s *Set) resolveElement(e *Element, n *node, d *schemaDoc) error {
	s.newElement(e)
	e.Abstract = n.attr["abstract"] == "true"
	e.Nillable = n.attr["nillable"] == "true"
	if sg, ok := n.get("substitutionGroup"); ok {
		q, err := n.resolveQName(sg)
		if err != nil {
			return err
		}
		e.substRef = q
	}
	t, err := s.elementType(n, d)
	if err != nil {
		return fmt.Errorf("xsd: element %s: %w", e.Name, err)
	}
	e.Type = t
	return nil
}

// elementType returns the type of an element declaration node.
func (s *Set) elementType(n *node, d *schemaDoc) (*Type, error) {
	if tn, ok := n.get("type"); ok {
		q, err := n.resolveQName(tn)
		if err != nil {
			return nil, err
		}
		return s.lookupType(q)
	}
	for _, k := range n.kids {
		if k.name.Space != NS {
			continue
		}
		switch k.name.Local {
		case "complexType", "simpleType":
			t := &Type{Complex: k.name.Local == "complexType", n: k, schema: d, Length: -1, MinLen: -1, MaxLen: -1}
			if err := s.resolveType(t); err != nil {
				return nil, err
			}
			return t, nil
		}
	}
	if sg, ok := n.get("substitutionGroup"); ok {
		// The type defaults to the head's type.
		q, err := n.resolveQName(sg)
		if err != nil {
			return nil, err
		}
		h, ok := s.Globals[q]
		if !ok {
			return nil, fmt.Errorf("substitution group head %s not found", q)
		}
		if h.Type == nil {
			if err := s.resolveElement(h, h.anon, h.schema); err != nil {
				return nil, err
			}
		}
		return h.Type, nil
	}
	return nil, fmt.Errorf("%w: element without a type (xs:anyType)", errUnsupported)
}

// builtinNames lists the XML Schema built-in types the sets may reference.
var builtinBase = map[string]string{
	"anySimpleType": "", "string": "anySimpleType", "boolean": "anySimpleType",
	"decimal": "anySimpleType", "float": "anySimpleType", "double": "anySimpleType",
	"hexBinary": "anySimpleType", "base64Binary": "anySimpleType", "anyURI": "anySimpleType",
	"QName": "anySimpleType", "dateTime": "anySimpleType", "date": "anySimpleType",
	"time": "anySimpleType", "duration": "anySimpleType",
	"normalizedString": "string", "token": "normalizedString", "language": "token",
	"Name": "token", "NCName": "Name", "ID": "NCName", "IDREF": "NCName", "NMTOKEN": "token",
	"integer": "decimal", "nonPositiveInteger": "integer", "negativeInteger": "nonPositiveInteger",
	"long": "integer", "int": "long", "short": "int", "byte": "short",
	"nonNegativeInteger": "integer", "unsignedLong": "nonNegativeInteger",
	"unsignedInt": "unsignedLong", "unsignedShort": "unsignedInt", "unsignedByte": "unsignedShort",
	"positiveInteger": "nonNegativeInteger",
}

func (s *Set) builtin(local string) (*Type, error) {
	if s.builtins == nil {
		s.builtins = map[string]*Type{}
	}
	if t, ok := s.builtins[local]; ok {
		return t, nil
	}
	base, ok := builtinBase[local]
	if !ok {
		return nil, fmt.Errorf("%w: built-in type xs:%s", errUnsupported, local)
	}
	t := &Type{Name: QName{NS: NS, Local: local}, Builtin: local, Length: -1, MinLen: -1, MaxLen: -1, resolved: true}
	if base != "" {
		b, err := s.builtin(base)
		if err != nil {
			return nil, err
		}
		t.Base = b
	}
	bounds := map[string][2]string{
		"byte": {"-128", "127"}, "short": {"-32768", "32767"}, "int": {"-2147483648", "2147483647"},
		"long": {"-9223372036854775808", "9223372036854775807"}, "unsignedByte": {"0", "255"},
		"unsignedShort": {"0", "65535"}, "unsignedInt": {"0", "4294967295"},
		"unsignedLong": {"0", "18446744073709551615"}, "nonNegativeInteger": {"0", ""},
		"positiveInteger": {"1", ""}, "nonPositiveInteger": {"", "0"}, "negativeInteger": {"", "-1"},
	}
	if b, ok := bounds[local]; ok {
		if b[0] != "" {
			t.MinInc, _ = new(big.Int).SetString(b[0], 10)
		}
		if b[1] != "" {
			t.MaxInc, _ = new(big.Int).SetString(b[1], 10)
		}
	}
	s.builtins[local] = t
	return t, nil
}

func (s *Set) lookupType(q QName) (*Type, error) {
	if q.NS == NS {
		if q.Local == "anyType" {
			return nil, fmt.Errorf("%w: xs:anyType", errUnsupported)
		}
		return s.builtin(q.Local)
	}
	t, ok := s.Types[q]
	if !ok {
		return nil, fmt.Errorf("xsd: type %s not found", q)
	}
	if err := s.resolveType(t); err != nil {
		return nil, err
	}
	return t, nil
}

func (s *Set) resolveType(t *Type) error {
	if t.resolved {
		return nil
	}
	if t.building {
		return fmt.Errorf("xsd: type %s derives from itself", t.Name)
	}
	t.building = true
	defer func() { t.building = false }()
	var err error
	if t.Complex {
		err = s.buildComplex(t)
	} else {
		err = s.buildSimple(t, t.n)
	}
	if err != nil {
		if t.Name.Local != "" {
			return fmt.Errorf("xsd: type %s: %w", t.Name, err)
		}
		return err
	}
	t.resolved = true
	return nil
}

func (s *Set) buildSimple(t *Type, n *node) error {
	for _, k := range n.kids {
		if k.name.Space != NS {
			continue
		}
		switch k.name.Local {
		case "annotation":
		case "restriction":
			var base *Type
			if b, ok := k.get("base"); ok {
				q, err := k.resolveQName(b)
				if err != nil {
					return err
				}
				if base, err = s.lookupType(q); err != nil {
					return err
				}
			} else {
				for _, kk := range k.kids {
					if kk.name.Space == NS && kk.name.Local == "simpleType" {
						base = &Type{n: kk, schema: t.schema, Length: -1, MinLen: -1, MaxLen: -1}
						if err := s.resolveType(base); err != nil {
							return err
						}
					}
				}
			}
			if base == nil || base.Complex {
				return fmt.Errorf("%w: simple restriction without a simple base", errUnsupported)
			}
			t.Base = base
			t.Builtin = base.Builtin
			for _, f := range k.kids {
				if f.name.Space != NS {
					continue
				}
				v := f.attr["value"]
				switch f.name.Local {
				case "enumeration":
					t.Enum = append(t.Enum, v)
				case "length", "minLength", "maxLength":
					x, err := strconv.Atoi(v)
					if err != nil {
						return fmt.Errorf("xsd: facet %s=%q: %w", f.name.Local, v, err)
					}
					switch f.name.Local {
					case "length":
						t.Length = x
					case "minLength":
						t.MinLen = x
					default:
						t.MaxLen = x
					}
				case "minInclusive", "maxInclusive":
					x, ok := new(big.Int).SetString(v, 10)
					if !ok {
						return fmt.Errorf("xsd: facet %s=%q is not an integer", f.name.Local, v)
					}
					if f.name.Local == "minInclusive" {
						t.MinInc = x
					} else {
						t.MaxInc = x
					}
				case "annotation", "simpleType", "whiteSpace":
				default:
					return fmt.Errorf("%w: facet %s", errUnsupported, f.name.Local)
				}
			}
			return nil
		default:
			return fmt.Errorf("%w: simpleType/%s", errUnsupported, k.name.Local)
		}
	}
	return fmt.Errorf("%w: empty simpleType", errUnsupported)
}

func (s *Set) buildComplex(t *Type) error {
	n := t.n
	t.Mixed = n.attr["mixed"] == "true"
	t.Abstract = n.attr["abstract"] == "true"
	for _, k := range n.kids {
		if k.name.Space != NS {
			continue
		}
		switch k.name.Local {
		case "annotation":
		case "sequence", "choice", "all", "group", "any":
			p, err := s.particle(k, t.schema)
			if err != nil {
				return err
			}
			t.Content = p
		case "attribute":
			a, err := s.attrUse(k, t.schema)
			if err != nil {
				return err
			}
			t.Attrs = append(t.Attrs, a)
		case "complexContent":
			if k.attr["mixed"] == "true" {
				t.Mixed = true
			}
			if err := s.complexContent(t, k); err != nil {
				return err
			}
		case "simpleContent":
			if err := s.simpleContent(t, k); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: complexType/%s", errUnsupported, k.name.Local)
		}
	}
	return nil
}

func (s *Set) derivation(k *node) (*node, *Type, error) {
	for _, d := range k.kids {
		if d.name.Space != NS || d.name.Local == "annotation" {
			continue
		}
		b, ok := d.get("base")
		if !ok {
			return nil, nil, fmt.Errorf("xsd: %s without base", d.name.Local)
		}
		q, err := d.resolveQName(b)
		if err != nil {
			return nil, nil, err
		}
		var base *Type
		if q.NS == NS && q.Local == "anyType" {
			base = nil
		} else if base, err = s.lookupType(q); err != nil {
			return nil, nil, err
		}
		return d, base, nil
	}
	return nil, nil, fmt.Errorf("xsd: empty derivation")
}

func (s *Set) complexContent(t *Type, k *node) error {
	d, base, err := s.derivation(k)
	if err != nil {
		return err
	}
	var own *Particle
	var attrs []*AttrUse
	for _, c := range d.kids {
		if c.name.Space != NS {
			continue
		}
		switch c.name.Local {
		case "annotation":
		case "sequence", "choice", "all", "group", "any":
			if own, err = s.particle(c, t.schema); err != nil {
				return err
			}
		case "attribute":
			a, err := s.attrUse(c, t.schema)
			if err != nil {
				return err
			}
			attrs = append(attrs, a)
		default:
			return fmt.Errorf("%w: %s/%s", errUnsupported, d.name.Local, c.name.Local)
		}
	}
	switch d.name.Local {
	case "extension":
		if base != nil {
			if !base.Complex {
				return fmt.Errorf("%w: complexContent extension of a simple type", errUnsupported)
			}
			t.Attrs = append(t.Attrs, base.Attrs...)
			if base.Mixed {
				t.Mixed = true
			}
			switch {
			case base.Content == nil:
				t.Content = own
			case own == nil:
				t.Content = base.Content
			default:
				t.Content = &Particle{Kind: PSequence, Min: 1, Max: 1, Children: []*Particle{base.Content, own}}
			}
		} else {
			t.Content = own
		}
		t.Attrs = append(t.Attrs, attrs...)
	case "restriction":
		t.Content = own
		if base != nil {
			t.Attrs = append(t.Attrs, base.Attrs...)
		}
		for _, a := range attrs {
			replaced := false
			for i, b := range t.Attrs {
				if b.Name == a.Name {
					t.Attrs[i] = a
					replaced = true
				}
			}
			if !replaced {
				t.Attrs = append(t.Attrs, a)
			}
		}
	default:
		return fmt.Errorf("%w: complexContent/%s", errUnsupported, d.name.Local)
	}
	return nil
}

func (s *Set) simpleContent(t *Type, k *node) error {
	d, base, err := s.derivation(k)
	if err != nil {
		return err
	}
	if d.name.Local != "extension" {
		return fmt.Errorf("%w: simpleContent/%s", errUnsupported, d.name.Local)
	}
	if base == nil {
		return fmt.Errorf("%w: simpleContent of xs:anyType", errUnsupported)
	}
	if base.Complex {
		if base.SimpleContent == nil {
			return fmt.Errorf("%w: simpleContent extension of a complex type without simple content", errUnsupported)
		}
		t.SimpleContent = base.SimpleContent
		t.Attrs = append(t.Attrs, base.Attrs...)
	} else {
		t.SimpleContent = base
	}
	for _, c := range d.kids {
		if c.name.Space != NS {
			continue
		}
		switch c.name.Local {
		case "annotation":
		case "attribute":
			a, err := s.attrUse(c, t.schema)
			if err != nil {
				return err
			}
			t.Attrs = append(t.Attrs, a)
		default:
			return fmt.Errorf("%w: simpleContent extension/%s", errUnsupported, c.name.Local)
		}
	}
	return nil
}

func occurs(n *node) (int, int, error) {
	minO, maxO := 1, 1
	if v, ok := n.get("minOccurs"); ok {
		x, err := strconv.Atoi(v)
		if err != nil || x < 0 {
			return 0, 0, fmt.Errorf("xsd: minOccurs=%q", v)
		}
		minO = x
	}
	if v, ok := n.get("maxOccurs"); ok {
		if v == "unbounded" {
			maxO = Unbounded
		} else {
			x, err := strconv.Atoi(v)
			if err != nil || x < 0 {
				return 0, 0, fmt.Errorf("xsd: maxOccurs=%q", v)
			}
			maxO = x
		}
	}
	return minO, maxO, nil
}

func (s *Set) particle(n *node, d *schemaDoc) (*Particle, error) {
	minO, maxO, err := occurs(n)
	if err != nil {
		return nil, err
	}
	p := &Particle{Min: minO, Max: maxO}
	switch n.name.Local {
	case "element":
		p.Kind = PElement
		if r, ok := n.get("ref"); ok {
			q, err := n.resolveQName(r)
			if err != nil {
				return nil, err
			}
			e, ok := s.Globals[q]
			if !ok {
				return nil, fmt.Errorf("xsd: element ref %s not found", q)
			}
			p.Element = e
			return p, nil
		}
		name, ok := n.get("name")
		if !ok {
			return nil, fmt.Errorf("xsd: local element without name or ref")
		}
		ns := ""
		if form := n.attr["form"]; form == "qualified" || (form == "" && d.elemQual) {
			ns = d.target
		}
		e := &Element{Name: QName{NS: ns, Local: name}, schema: d, anon: n}
		s.newElement(e)
		e.Nillable = n.attr["nillable"] == "true"
		t, err := s.elementType(n, d)
		if err != nil {
			return nil, fmt.Errorf("xsd: element %s: %w", e.Name, err)
		}
		e.Type = t
		p.Element = e
	case "sequence", "choice":
		if n.name.Local == "sequence" {
			p.Kind = PSequence
		} else {
			p.Kind = PChoice
		}
		for _, k := range n.kids {
			if k.name.Space != NS || k.name.Local == "annotation" {
				continue
			}
			c, err := s.particle(k, d)
			if err != nil {
				return nil, err
			}
			p.Children = append(p.Children, c)
		}
	case "any":
		p.Kind = PAny
		switch ns := n.attr["namespace"]; ns {
		case "", "##any", "##other":
		default:
			return nil, fmt.Errorf("%w: xs:any namespace=%q", errUnsupported, ns)
		}
	default:
		return nil, fmt.Errorf("%w: particle <%s>", errUnsupported, n.name.Local)
	}
	return p, nil
}

func (s *Set) attrUse(n *node, d *schemaDoc) (*AttrUse, error) {
	a := &AttrUse{Required: n.attr["use"] == "required"}
	if n.attr["use"] == "prohibited" {
		return nil, fmt.Errorf("%w: prohibited attribute", errUnsupported)
	}
	decl, dd := n, d
	if r, ok := n.get("ref"); ok {
		q, err := n.resolveQName(r)
		if err != nil {
			return nil, err
		}
		g, ok := s.attrs[q]
		if !ok {
			return nil, fmt.Errorf("xsd: attribute ref %s not found", q)
		}
		decl, dd = g, s.attrSchema[q]
		a.Name = q
	} else {
		name, ok := n.get("name")
		if !ok {
			return nil, fmt.Errorf("xsd: attribute without name")
		}
		ns := ""
		if form := n.attr["form"]; form == "qualified" || (form == "" && d.attrQual) {
			ns = d.target
		}
		a.Name = QName{NS: ns, Local: name}
	}
	if tn, ok := decl.get("type"); ok {
		q, err := decl.resolveQName(tn)
		if err != nil {
			return nil, err
		}
		t, err := s.lookupType(q)
		if err != nil {
			return nil, err
		}
		a.Type = t
	} else {
		for _, k := range decl.kids {
			if k.name.Space == NS && k.name.Local == "simpleType" {
				t := &Type{n: k, schema: dd, Length: -1, MinLen: -1, MaxLen: -1}
				if err := s.resolveType(t); err != nil {
					return nil, err
				}
				a.Type = t
			}
		}
		if a.Type == nil {
			var err error
			if a.Type, err = s.builtin("anySimpleType"); err != nil {
				return nil, err
			}
		}
	}
	return a, nil
}
