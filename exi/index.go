package exi

import "sort"

// TypeGrammar names a global type's grammar, for xsi:type.
type TypeGrammar struct {
	Name    QName
	Grammar int32
}

type schemaIndex struct {
	uri     map[string]int32
	local   []map[string]int32
	globals map[QName]int32
}

// Init builds the lookup tables of s and returns s. It must be called once
// before s is used and s must not be modified afterwards; generated packages
// do this when they first hand out their schema.
func (s *Schema) Init() *Schema {
	ix := &schemaIndex{uri: map[string]int32{}, globals: map[QName]int32{}}
	for i, u := range s.URIs {
		ix.uri[u] = int32(i)
	}
	ix.local = make([]map[string]int32, len(s.LocalNames))
	for i, names := range s.LocalNames {
		m := make(map[string]int32, len(names))
		for j, n := range names {
			m[n] = int32(j)
		}
		ix.local[i] = m
	}
	for i, e := range s.Elements {
		if e.Global {
			if _, dup := ix.globals[e.Name]; !dup {
				ix.globals[e.Name] = int32(i)
			}
		}
	}
	sort.Slice(s.TypeGrammars, func(i, j int) bool {
		a, b := s.TypeGrammars[i].Name, s.TypeGrammars[j].Name
		if a.URI != b.URI {
			return a.URI < b.URI
		}
		return a.Local < b.Local
	})
	for gi := range s.Grammars {
		g := &s.Grammars[gi]
		for si := range g.States {
			st := &g.States[si]
			st.width = uint8(bitsFor(len(st.Prods) + 1))
			st.ee, st.ch = -1, -1
			for i, p := range st.Prods {
				if p.Kind == EvEE && st.ee < 0 {
					st.ee = int16(i)
				}
				if p.Kind == EvCH && st.ch < 0 {
					st.ch = int16(i)
				}
			}
			var buf [8]level2
			st.l2w = uint8(bitsFor(len(secondLevel(buf[:0], st))))
		}
	}
	for gi := range s.Grammars {
		g := &s.Grammars[gi]
		if len(g.States) == 0 || g.States[0].ch < 0 {
			continue
		}
		st0 := &g.States[0]
		p := st0.Prods[st0.ch]
		if p.Next < 0 || g.States[p.Next].Rep >= 0 || g.States[p.Next].ee < 0 {
			continue
		}
		st1 := &g.States[p.Next]
		g.simple = true
		g.chCode, g.chWidth, g.chNext, g.chRef = uint8(st0.ch), st0.width, p.Next, p.Ref
		g.eeCode, g.eeWidth = uint8(st1.ee), st1.width
	}
	s.docWidth = uint8(bitsFor(len(s.Doc) + 1))
	s.fragWidth = uint8(bitsFor(len(s.Frag) + 2))
	s.idx = ix
	return s
}

// lookupQName returns the ids of a name known to the schema's string table.
func (s *Schema) lookupQName(space, local string) (QName, bool) {
	u, ok := s.idx.uri[space]
	if !ok {
		return QName{}, false
	}
	l, ok := s.idx.local[u][local]
	if !ok {
		return QName{}, false
	}
	return QName{URI: u, Local: l}, true
}

func (s *Schema) typeGrammar(q QName) (int32, bool) {
	i := sort.Search(len(s.TypeGrammars), func(i int) bool {
		n := s.TypeGrammars[i].Name
		return n.URI > q.URI || (n.URI == q.URI && n.Local >= q.Local)
	})
	if i < len(s.TypeGrammars) && s.TypeGrammars[i].Name == q {
		return s.TypeGrammars[i].Grammar, true
	}
	return 0, false
}
