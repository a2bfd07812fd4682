// Package xsd reads the subset of XML Schema 1.0 that the ISO 15118 and DIN
// 70121 schema sets use into a resolved model for EXI grammar derivation.
//
// Supported: global and local elements (type, ref, substitutionGroup,
// abstract, min/maxOccurs), named and anonymous complex and simple types,
// sequence, choice, xs:any, complexContent extension and restriction,
// simpleContent extension, attributes (use, ref), simple-type restriction
// with enumeration, length, minLength, maxLength, minInclusive and
// maxInclusive facets, import and include. Anything else is an error, so
// an unsupported schema fails loudly instead of coding wrongly.
package xsd

import (
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
)

// NS is the XML Schema namespace.
const NS = "http://www.w3.org/2001/XMLSchema"

// QName is an expanded name.
type QName struct{ NS, Local string }

func (q QName) String() string {
	if q.NS == "" {
		return q.Local
	}
	return "{" + q.NS + "}" + q.Local
}

// Less orders qnames by local name, then URI (EXI §8.5.1).
func (q QName) Less(o QName) bool {
	if q.Local != o.Local {
		return q.Local < o.Local
	}
	return q.NS < o.NS
}

// Unbounded is the Max of a particle with maxOccurs="unbounded".
const Unbounded = -1

// Element is an element declaration.
type Element struct {
	Name       QName
	Type       *Type
	Global     bool
	Abstract   bool
	SubstGroup *Element // head, for members
	Members    []*Element
	Nillable   bool
	Order      int // declaration order in the set

	substRef QName
	anon     *node
	schema   *schemaDoc
}

// ParticleKind is the kind of a particle term.
type ParticleKind int

// Particle kinds.
const (
	PElement ParticleKind = iota
	PSequence
	PChoice
	PAny
)

// Particle is a content-model particle.
type Particle struct {
	Kind     ParticleKind
	Min, Max int
	Element  *Element    // PElement
	Children []*Particle // PSequence, PChoice
	AnyNS    []string    // PAny: nil means any namespace (##any, ##other)
}

// AttrUse is an attribute use of a complex type.
type AttrUse struct {
	Name     QName
	Type     *Type
	Required bool
}

// Type is a simple or complex type definition.
type Type struct {
	Name     QName // empty for anonymous types
	Complex  bool
	Abstract bool
	Mixed    bool

	// Complex types.
	Attrs         []*AttrUse
	Content       *Particle // nil for empty or simple content
	SimpleContent *Type     // the value type for simple content

	// Simple types.
	Builtin  string   // local name of the nearest built-in ancestor (or itself)
	Base     *Type    // base type for derived types
	Enum     []string // enumeration facet values, lexical
	Length   int      // -1 if absent
	MinLen   int      // -1 if absent
	MaxLen   int      // -1 if absent
	MinInc   *big.Int // nil if absent
	MaxInc   *big.Int // nil if absent
	resolved bool
	n        *node
	schema   *schemaDoc
	building bool
}

// Set is a schema set: an entry schema and everything it imports.
type Set struct {
	Namespaces []string // target namespaces, sorted, excluding ""
	Elements   []*Element
	Globals    map[QName]*Element
	Types      map[QName]*Type
	NamedTypes []*Type             // global named types, in declaration order
	LocalNames map[string][]string // declared local names per namespace, sorted
	attrs      map[QName]*node
	attrSchema map[QName]*schemaDoc
	docs       map[string]*schemaDoc
	order      []*schemaDoc
	builtins   map[string]*Type
	nextOrder  int
}

type schemaDoc struct {
	path     string
	target   string
	elemQual bool
	attrQual bool
	root     *node
}

// node is a parsed XML element with its in-scope namespace bindings.
type node struct {
	name xml.Name
	attr map[string]string // unqualified attributes
	ns   map[string]string // prefix → URI in scope
	kids []*node
}

func (n *node) get(a string) (string, bool) { v, ok := n.attr[a]; return v, ok }

func parseFile(path string) (*node, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	var stack []*node
	var root *node
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("xsd: %s: %w", path, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{attr: map[string]string{}, ns: map[string]string{}}
			if len(stack) > 0 {
				for k, v := range stack[len(stack)-1].ns {
					n.ns[k] = v
				}
			}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					n.ns[""] = a.Value
				case a.Name.Space == "xmlns":
					n.ns[a.Name.Local] = a.Value
				case a.Name.Space == "":
					n.attr[a.Name.Local] = a.Value
				}
			}
			uri, ok := n.ns[t.Name.Space]
			if !ok && t.Name.Space != "" {
				return nil, fmt.Errorf("xsd: %s: undeclared prefix %q", path, t.Name.Space)
			}
			n.name = xml.Name{Space: uri, Local: t.Name.Local}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		return nil, fmt.Errorf("xsd: %s: no root element", path)
	}
	return root, nil
}

// resolveQName resolves a QName-valued attribute in the scope of n.
func (n *node) resolveQName(v string) (QName, error) {
	prefix, local := "", v
	if i := strings.IndexByte(v, ':'); i >= 0 {
		prefix, local = v[:i], v[i+1:]
	}
	uri, ok := n.ns[prefix]
	if !ok {
		if prefix == "" {
			return QName{Local: local}, nil
		}
		return QName{}, fmt.Errorf("xsd: undeclared prefix in %q", v)
	}
	return QName{NS: uri, Local: local}, nil
}

// Load reads the schema at entry and all schemas it imports or includes.
// An import whose schemaLocation does not exist is resolved to a file of the
// same name beside the importing schema (the -2 and DIN sets import
// ../xmldsig-core-schema.xsd, which is shipped beside them).
func Load(entry string) (*Set, error) {
	s := &Set{
		Globals:    map[QName]*Element{},
		Types:      map[QName]*Type{},
		LocalNames: map[string][]string{},
		attrs:      map[QName]*node{},
		attrSchema: map[QName]*schemaDoc{},
		docs:       map[string]*schemaDoc{},
	}
	if err := s.load(entry); err != nil {
		return nil, err
	}
	if err := s.collect(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Set) load(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, ok := s.docs[abs]; ok {
		return nil
	}
	root, err := parseFile(abs)
	if err != nil {
		return err
	}
	if root.name.Space != NS || root.name.Local != "schema" {
		return fmt.Errorf("xsd: %s: root is not xs:schema", abs)
	}
	d := &schemaDoc{path: abs, root: root}
	d.target = root.attr["targetNamespace"]
	d.elemQual = root.attr["elementFormDefault"] == "qualified"
	d.attrQual = root.attr["attributeFormDefault"] == "qualified"
	s.docs[abs] = d
	s.order = append(s.order, d)
	for _, k := range root.kids {
		if k.name.Space != NS {
			continue
		}
		switch k.name.Local {
		case "import", "include":
			loc, ok := k.get("schemaLocation")
			if !ok {
				return fmt.Errorf("xsd: %s: %s without schemaLocation", abs, k.name.Local)
			}
			p := filepath.Join(filepath.Dir(abs), loc)
			if _, err := os.Stat(p); err != nil {
				alt := filepath.Join(filepath.Dir(abs), filepath.Base(loc))
				if _, err2 := os.Stat(alt); err2 != nil {
					return fmt.Errorf("xsd: %s: cannot resolve %q: %w", abs, loc, err)
				}
				p = alt
			}
			if err := s.load(p); err != nil {
				return err
			}
		}
	}
	return nil
}
