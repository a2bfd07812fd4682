package grammar

import (
	"fmt"
	"sort"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/exi/internal/xsd"
)

// position is a leaf particle of a content model.
type position struct {
	order    int          // depth-first leaf order ("schema order")
	elem     *xsd.Element // nil for a wildcard
	min, max int
	follow   map[int]bool // positions that may follow (self loop excluded)
	selfLoop bool
	final    bool // the content may end after this position
	state    int32
}

type glushkov struct {
	pos []*position
}

// analyse returns nullable, first and last of p.
func (g *glushkov) analyse(p *xsd.Particle) (bool, []int, []int, error) {
	switch p.Kind {
	case xsd.PElement, xsd.PAny:
		id := len(g.pos)
		g.pos = append(g.pos, &position{order: id, elem: p.Element, min: p.Min, max: p.Max, follow: map[int]bool{}})
		if p.Max > 1 || p.Max == xsd.Unbounded {
			g.pos[id].selfLoop = true
		}
		return p.Min == 0, []int{id}, []int{id}, nil
	case xsd.PSequence, xsd.PChoice:
		if p.Max != 1 && p.Max != xsd.Unbounded || p.Min > 1 {
			return false, nil, nil, fmt.Errorf("%w: model group with minOccurs=%d maxOccurs=%d", ErrUnsupported, p.Min, p.Max)
		}
		var nullable bool
		var first, last []int
		if p.Kind == xsd.PSequence {
			nullable = true
			var prevLast []int // last set of the prefix so far (nullable-aware)
			for _, c := range p.Children {
				cn, cf, cl, err := g.analyse(c)
				if err != nil {
					return false, nil, nil, err
				}
				for _, x := range prevLast {
					for _, y := range cf {
						g.pos[x].follow[y] = true
					}
				}
				if nullable {
					first = append(first, cf...)
				}
				if cn {
					prevLast = append(prevLast, cl...)
				} else {
					prevLast = append([]int(nil), cl...)
				}
				nullable = nullable && cn
			}
			last = prevLast
		} else {
			for _, c := range p.Children {
				cn, cf, cl, err := g.analyse(c)
				if err != nil {
					return false, nil, nil, err
				}
				nullable = nullable || cn
				first = append(first, cf...)
				last = append(last, cl...)
			}
		}
		if p.Min == 0 {
			nullable = true
		}
		if p.Max == xsd.Unbounded {
			for _, x := range last {
				for _, y := range first {
					if x == y {
						g.pos[x].selfLoop = true
					} else {
						g.pos[x].follow[y] = true
					}
				}
			}
		}
		return nullable, first, last, nil
	}
	return false, nil, nil, fmt.Errorf("%w: particle kind %d", ErrUnsupported, p.Kind)
}

// sortable production with its ordering key.
type sprod struct {
	p     exi.Prod
	rank  int
	key   xsd.QName // AT: attribute name; SE: member name
	order int       // SE: leaf order
}

func sortProds(ps []sprod) []exi.Prod {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		switch a.rank {
		case 0:
			return a.key.Less(b.key)
		case 2, 3:
			if a.order != b.order {
				return a.order < b.order
			}
			return a.key.Less(b.key)
		}
		return false
	})
	out := make([]exi.Prod, 0, len(ps))
	for i, p := range ps {
		if i > 0 && p.p == ps[i-1].p {
			continue
		}
		out = append(out, p.p)
	}
	return out
}

// members lists the declarations an element particle matches: the
// substitution-group closure including the head (abstract or not), sorted
// by qname.
func members(e *xsd.Element) []*xsd.Element {
	var out []*xsd.Element
	var walk func(*xsd.Element)
	seen := map[*xsd.Element]bool{}
	walk = func(x *xsd.Element) {
		if seen[x] {
			return
		}
		seen[x] = true
		out = append(out, x) // abstract declarations keep their slot, as in EXIficient
		for _, m := range x.Members {
			walk(m)
		}
	}
	walk(e)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name.Less(out[j].Name) })
	return out
}

// grammar returns the grammar of type t, building it on first use.
func (b *builder) grammar(t *xsd.Type) (int32, error) {
	if id, ok := b.gram[t]; ok {
		return id, nil
	}
	id := int32(len(b.out.Grammars))
	b.gram[t] = id
	b.out.Grammars = append(b.out.Grammars, exi.Grammar{Simple: -1})
	g, err := b.buildGrammar(t)
	if err != nil {
		return 0, err
	}
	b.out.Grammars[id] = g
	return id, nil
}

func (b *builder) buildGrammar(t *xsd.Type) (exi.Grammar, error) {
	g := exi.Grammar{Simple: -1}
	var states [][]sprod
	newState := func() int32 {
		states = append(states, nil)
		return int32(len(states) - 1)
	}
	var reps []exi.Rep
	repOf := map[int32]int32{}

	// Attribute uses, sorted by local name then URI.
	var attrs []*xsd.AttrUse
	if t.Complex {
		attrs = append(attrs, t.Attrs...)
		sort.SliceStable(attrs, func(i, j int) bool { return attrs[i].Name.Less(attrs[j].Name) })
	}
	for range attrs {
		newState()
	}
	content := newState()
	g.Content = content

	// Content.
	simple := t
	if t.Complex {
		simple = t.SimpleContent
	}
	switch {
	case simple != nil:
		dt, err := b.datatype(simple)
		if err != nil {
			return g, err
		}
		if !t.Complex {
			g.Simple = dt
		}
		end := newState()
		states[content] = []sprod{{p: exi.Prod{Kind: exi.EvCH, Ref: dt, Next: end}, rank: 5}}
		states[end] = []sprod{{p: exi.Prod{Kind: exi.EvEE, Next: -1}, rank: 4}}
	case t.Content == nil:
		states[content] = []sprod{{p: exi.Prod{Kind: exi.EvEE, Next: -1}, rank: 4}}
		if t.Mixed {
			states[content] = append(states[content], sprod{p: exi.Prod{Kind: exi.EvCHUntyped, Next: content}, rank: 5})
		}
	default:
		gl := &glushkov{}
		nullable, first, last, err := gl.analyse(t.Content)
		if err != nil {
			return g, err
		}
		for _, x := range last {
			gl.pos[x].final = true
		}
		// Allocate states: one per position, three variants for counted ones.
		for _, p := range gl.pos {
			counted := p.elem != nil && (p.min > 1 || (p.max > 1 && p.max != xsd.Unbounded))
			if !counted {
				p.state = newState()
				continue
			}
			r := exi.Rep{Min: int32(p.min), Max: int32(p.max), Low: -1, Mid: -1, High: -1}
			if p.min > 1 {
				r.Low = newState()
			}
			if p.max == xsd.Unbounded || p.max > max(p.min, 1) {
				r.Mid = newState()
			}
			if p.max != xsd.Unbounded {
				r.High = newState()
			}
			p.state = firstOf(r.Low, r.Mid, r.High)
			ri := int32(len(reps))
			reps = append(reps, r)
			for _, s := range []int32{r.Low, r.Mid, r.High} {
				if s >= 0 {
					repOf[s] = ri
				}
			}
		}
		seOf := func(q int) ([]sprod, error) {
			p := gl.pos[q]
			if p.elem == nil {
				return []sprod{{p: exi.Prod{Kind: exi.EvSEAny, Ref: -1, Next: p.state}, rank: 3, order: p.order}}, nil
			}
			var out []sprod
			for _, m := range members(p.elem) {
				eid, err := b.element(m)
				if err != nil {
					return nil, err
				}
				out = append(out, sprod{p: exi.Prod{Kind: exi.EvSE, Ref: eid, Next: p.state}, rank: 2, key: m.Name, order: p.order})
			}
			return out, nil
		}
		for _, q := range first {
			ps, err := seOf(q)
			if err != nil {
				return g, err
			}
			states[content] = append(states[content], ps...)
		}
		if nullable {
			states[content] = append(states[content], sprod{p: exi.Prod{Kind: exi.EvEE, Next: -1}, rank: 4})
		}
		for _, p := range gl.pos {
			var loop, exit []sprod
			if p.selfLoop {
				ps, err := seOf(p.order)
				if err != nil {
					return g, err
				}
				loop = ps
			}
			fs := make([]int, 0, len(p.follow))
			for q := range p.follow {
				fs = append(fs, q)
			}
			sort.Ints(fs)
			for _, q := range fs {
				ps, err := seOf(q)
				if err != nil {
					return g, err
				}
				exit = append(exit, ps...)
			}
			if p.final {
				exit = append(exit, sprod{p: exi.Prod{Kind: exi.EvEE, Next: -1}, rank: 4})
			}
			ri, counted := repOf[p.state]
			if !counted {
				states[p.state] = append(append(states[p.state], loop...), exit...)
				continue
			}
			r := reps[ri]
			if r.Low >= 0 {
				states[r.Low] = append(states[r.Low], loop...)
			}
			if r.Mid >= 0 {
				states[r.Mid] = append(append(states[r.Mid], loop...), exit...)
			}
			if r.High >= 0 {
				states[r.High] = append(states[r.High], exit...)
			}
		}
		if t.Mixed {
			for s := content; s < int32(len(states)); s++ {
				states[s] = append(states[s], sprod{p: exi.Prod{Kind: exi.EvCHUntyped, Next: s}, rank: 5})
			}
		}
	}

	// Attribute states, last to first: AT(A_i) then, when optional, whatever
	// the next state offers.
	for i := len(attrs) - 1; i >= 0; i-- {
		aid, err := b.attribute(attrs[i])
		if err != nil {
			return g, err
		}
		ps := []sprod{{p: exi.Prod{Kind: exi.EvAT, Ref: aid, Next: int32(i + 1)}, rank: 0, key: attrs[i].Name}}
		if !attrs[i].Required {
			ps = append(ps, states[i+1]...)
		}
		states[i] = ps
	}

	g.States = make([]exi.State, len(states))
	for i, ps := range states {
		cls := exi.ClassContent
		switch {
		case i == 0:
			cls = exi.ClassStart0
		case int32(i) <= content:
			cls = exi.ClassStart
		}
		rep := int32(-1)
		if r, ok := repOf[int32(i)]; ok {
			rep = r
		}
		g.States[i] = exi.State{Prods: sortProds(ps), Class: cls, Rep: rep}
	}
	// content2: the content state as a content-class copy.
	c2 := g.States[content]
	c2.Class = exi.ClassContent
	c2.Prods = append([]exi.Prod(nil), c2.Prods...)
	g.Content2 = int32(len(g.States))
	g.States = append(g.States, c2)
	g.Reps = reps
	g.Mixed = t.Mixed
	return g, nil
}

func firstOf(xs ...int32) int32 {
	for _, x := range xs {
		if x >= 0 {
			return x
		}
	}
	return -1
}

// relaxed returns the element used for a fragment qname declared with
// different types: its content follows the ElementFragment grammar (§8.5.3).
func (b *builder) relaxed(q xsd.QName, _ []*xsd.Element) (int32, error) {
	g, err := b.elementFragmentGrammar()
	if err != nil {
		return 0, err
	}
	name, err := b.qname(q)
	if err != nil {
		return 0, err
	}
	id := int32(len(b.out.Elements))
	b.out.Elements = append(b.out.Elements, exi.Element{Name: name, Grammar: g})
	return id, nil
}

// elementFragmentGrammar builds the relaxed ElementFragment grammar once.
// Its SE(F_i) productions are filled in by finishRelaxed, when the fragment
// element list is complete.
func (b *builder) elementFragmentGrammar() (int32, error) {
	if b.efGrammar >= 0 {
		return b.efGrammar, nil
	}
	// Every attribute qname of the schema, once; typed when all its
	// declarations share a type, else String.
	type use struct {
		name xsd.QName
		typ  *xsd.Type
		same bool
	}
	byName := map[xsd.QName]*use{}
	var names []xsd.QName
	var visit func(t *xsd.Type)
	seenT := map[*xsd.Type]bool{}
	visit = func(t *xsd.Type) {
		if t == nil || seenT[t] || !t.Complex {
			return
		}
		seenT[t] = true
		for _, a := range t.Attrs {
			u := byName[a.Name]
			if u == nil {
				byName[a.Name] = &use{name: a.Name, typ: a.Type, same: true}
				names = append(names, a.Name)
			} else if u.typ != a.Type && (u.typ.Name == (xsd.QName{}) || u.typ.Name != a.Type.Name) {
				u.same = false
			}
		}
	}
	for _, e := range b.set.Elements {
		visit(e.Type)
	}
	for _, t := range b.set.NamedTypes {
		visit(t)
	}
	sort.SliceStable(names, func(i, j int) bool { return names[i].Less(names[j]) })
	str := int32(-1)
	var ats []exi.Prod
	for _, n := range names {
		u := byName[n]
		var aid int32
		var err error
		if u.same {
			aid, err = b.attribute(&xsd.AttrUse{Name: n, Type: u.typ})
		} else {
			if str < 0 {
				str = int32(len(b.out.Types))
				b.out.Types = append(b.out.Types, exi.Datatype{Kind: exi.TString, MaxLen: -1, Name: "string"})
			}
			qn, qerr := b.qname(n)
			if qerr != nil {
				return 0, qerr
			}
			aid = int32(len(b.out.Attributes))
			b.out.Attributes = append(b.out.Attributes, exi.Attribute{Name: qn, Type: str})
		}
		if err != nil {
			return 0, err
		}
		ats = append(ats, exi.Prod{Kind: exi.EvAT, Ref: aid, Next: 0})
	}
	id := int32(len(b.out.Grammars))
	b.out.Grammars = append(b.out.Grammars, exi.Grammar{Simple: -1, Content: 1})
	b.efGrammar = id
	b.efAttrs = ats
	return id, nil
}

// finishRelaxed completes the ElementFragment grammar with the fragment
// element list.
func (b *builder) finishRelaxed() {
	if b.efGrammar < 0 {
		return
	}
	var ses []exi.Prod
	for _, el := range b.out.Frag {
		ses = append(ses, exi.Prod{Kind: exi.EvSE, Ref: el, Next: 2})
	}
	tail := append(append(ses, exi.Prod{Kind: exi.EvSEAny, Ref: -1, Next: 2}, exi.Prod{Kind: exi.EvEE, Next: -1}),
		exi.Prod{Kind: exi.EvCHUntyped, Next: 2})
	ef0 := append(append(append([]exi.Prod(nil), b.efAttrs...), exi.Prod{Kind: exi.EvATAny, Ref: -1, Next: 0}), tail...)
	g := &b.out.Grammars[b.efGrammar]
	g.States = []exi.State{
		{Prods: ef0, Class: exi.ClassStart0, Rep: -1},
		{Prods: append([]exi.Prod(nil), tail...), Class: exi.ClassStart, Rep: -1},
		{Prods: append([]exi.Prod(nil), tail...), Class: exi.ClassContent, Rep: -1},
		{Prods: append([]exi.Prod(nil), tail...), Class: exi.ClassContent, Rep: -1},
	}
	g.Content, g.Content2 = 1, 3
}
