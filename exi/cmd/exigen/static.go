package main

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/v2gstack/iso15118/exi"
)

// Static encoders: for a struct whose elements all share one grammar, the
// encoder is emitted with the event codes resolved here. The generated
// code keeps the grammar state in a variable only where more than one
// state is possible (after optional or repeated particles).

// planStatic decides which structs get static encoders.
func (g *typeGen) planStatic() {
	grams := map[*structInfo]map[int32]bool{}
	names := map[*structInfo]map[exi.QName]bool{}
	var add func(s *structInfo, el int32)
	add = func(s *structInfo, el int32) {
		if grams[s] == nil {
			grams[s] = map[int32]bool{}
			names[s] = map[exi.QName]bool{}
		}
		grams[s][g.sc.Elements[el].Grammar] = true
		names[s][g.sc.Elements[el].Name] = true
		if s.embed != nil {
			add(s.embed, el)
		}
	}
	for _, s := range g.order {
		for _, f := range s.fields {
			if f.st != nil {
				add(f.st, f.index)
			}
		}
	}
	for _, r := range g.roots {
		add(r.st, r.idx)
	}
	g.static = map[*structInfo]int32{}
	ok := func(s *structInfo) bool {
		if s.raw || len(grams[s]) != 1 {
			return false
		}
		// String content is coded in the partition of its element's qname.
		if s.value != nil && s.value.kind == vkString && len(names[s]) != 1 {
			return false
		}
		return true
	}
	for _, s := range g.order {
		if s.embed == nil && ok(s) {
			for gi := range grams[s] {
				g.static[s] = gi
			}
		}
	}
	for _, s := range g.order {
		if s.embed != nil && ok(s) {
			if _, inner := g.static[s.embed]; inner {
				for gi := range grams[s] {
					g.static[s] = gi
				}
			}
		}
	}
}

// closeCall is the call that ends an element whose content x.encodeEXI
// wrote: static encoders write their own EE.
func (g *typeGen) closeCall(s *structInfo) string {
	if _, ok := g.static[s]; ok {
		return "e.Leave()"
	}
	return "e.EndElement()"
}

type encSim struct {
	g     *typeGen
	gr    *exi.Grammar
	b     bytes.Buffer
	track bool // emit state assignments
	dyn   bool // a switch on the state was emitted
	// Event codes not yet written, merged into one write.
	pendV uint64
	pendW uint
}

func (m *encSim) flush() {
	if m.pendW > 0 {
		fmt.Fprintf(&m.b, "e.Code(%d, %d)\n", m.pendV, m.pendW)
		m.pendV, m.pendW = 0, 0
	}
}

// p writes generated code after the pending event codes.
func (m *encSim) p(format string, args ...any) {
	m.flush()
	fmt.Fprintf(&m.b, format, args...)
}

// assign writes a state assignment, which may precede pending codes.
func (m *encSim) assign(format string, args ...any) { fmt.Fprintf(&m.b, format, args...) }

// code adds an event code of w bits.
func (m *encSim) code(v int, w uint) {
	if m.pendW+w > 56 {
		m.flush()
	}
	m.pendV = m.pendV<<w | uint64(v)
	m.pendW += w
}

func union(a, b []int32) []int32 {
	seen := map[int32]bool{}
	var out []int32
	for _, x := range append(append([]int32(nil), a...), b...) {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func sameSet(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// find returns the production index of an event in state st, or -1.
func find(st *exi.State, kind exi.EventKind, ref int32) int {
	for i, p := range st.Prods {
		if p.Kind != kind {
			continue
		}
		if kind == exi.EvEE || kind == exi.EvCH || p.Ref == ref {
			return i
		}
	}
	return -1
}

// transition emits the move along production p from state cur and returns
// the states it can reach.
func (m *encSim) transition(cur int32, p exi.Prod) []int32 {
	if p.Next < 0 {
		return nil
	}
	next := p.Next
	ri := m.gr.States[next].Rep
	if ri < 0 {
		if m.track {
			m.assign("st = %d\n", next)
		}
		return []int32{next}
	}
	r := m.gr.Reps[ri]
	pick := func(n int32) int32 {
		switch {
		case n < r.Min:
			return r.Low
		case r.Max >= 0 && n >= r.Max:
			return r.High
		}
		return r.Mid
	}
	if cur < 0 || m.gr.States[cur].Rep != ri {
		s := pick(1)
		if m.track {
			m.assign("st, n = %d, 1\n", s)
		}
		return []int32{s}
	}
	var out []int32
	for _, s := range []int32{r.Low, r.Mid, r.High} {
		if s >= 0 {
			out = union(out, []int32{s})
		}
	}
	if m.track {
		m.p("n++\nswitch {\n")
		if r.Min > 1 {
			m.p("case n < %d:\nst = %d\n", r.Min, r.Low)
		}
		if r.Max >= 0 {
			m.p("case n >= %d:\nst = %d\n", r.Max, r.High)
		}
		m.p("default:\nst = %d\n}\n", r.Mid)
	} else {
		m.dyn = true
	}
	return out
}

// event emits the code of one event from the possible states S; body
// emits what follows the code in each case (the value).
func (m *encSim) event(S []int32, kind exi.EventKind, ref int32, body func()) []int32 {
	one := func(s int32) []int32 {
		st := &m.gr.States[s]
		w, w2 := st.CodeWidths()
		i := find(st, kind, ref)
		if i < 0 {
			if kind != exi.EvEE {
				m.p("e.Fail(exi.ErrUnexpected)\nreturn\n")
				return nil
			}
			// EE at the second level: its first entry.
			m.code(len(st.Prods), w)
			m.code(0, w2)
			return nil
		}
		m.code(i, w)
		if body != nil {
			body()
		}
		return m.transition(s, st.Prods[i])
	}
	if len(S) == 1 {
		return one(S[0])
	}
	if !m.track {
		m.dyn = true
	}
	var out []int32
	m.p("switch st {\n")
	for _, s := range S {
		m.p("case %d:\n", s)
		out = union(out, one(s))
	}
	m.p("default:\ne.Fail(exi.ErrUnexpected)\nreturn\n}\n")
	return out
}

// put returns the call that writes value v of field f with datatype dt.
func put(f *field, dt int32, q exi.QName, v string) string {
	switch f.kind {
	case vkString:
		return fmt.Sprintf("e.PutString(%d, exi.QName{URI: %d, Local: %d}, %s)", dt, q.URI, q.Local, v)
	case vkBinary:
		return fmt.Sprintf("e.PutBinary(%d, %s)", dt, v)
	case vkBool:
		return fmt.Sprintf("e.PutBool(%d, %s)", dt, v)
	case vkInt:
		return fmt.Sprintf("e.PutInt(%d, int64(%s))", dt, v)
	case vkUint:
		return fmt.Sprintf("e.PutUint(%d, uint64(%s))", dt, v)
	case vkBig:
		return fmt.Sprintf("e.PutBigInt(%d, %s)", dt, v)
	case vkEnum:
		return fmt.Sprintf("e.PutEnum(%d, int(%s))", dt, v)
	}
	panic("put")
}

// nonEmpty is the condition under which a value of f is coded with CH.
func nonEmpty(f *field, v string) string {
	switch f.kind {
	case vkString:
		return v + ` != ""`
	case vkBinary:
		return "len(" + v + ") > 0"
	}
	return ""
}

// child emits the content of element f.index after its SE: v is the value.
func (m *encSim) child(f *field, v string) {
	if f.kind == vkStruct {
		if _, ok := m.g.static[f.st]; ok {
			m.p("%s.encodeEXI(e)\n", v)
		} else {
			m.p("e.Enter(%d)\n%s.encodeEXI(e)\ne.EndElement()\n", f.index, v)
		}
		return
	}
	el := &m.g.sc.Elements[f.index]
	cg := &m.g.sc.Grammars[el.Grammar]
	st0 := &cg.States[0]
	ci := find(st0, exi.EvCH, 0)
	var st1 *exi.State
	if ci >= 0 && st0.Prods[ci].Next >= 0 {
		st1 = &cg.States[st0.Prods[ci].Next]
	}
	if st1 == nil || st1.Rep >= 0 || find(st1, exi.EvEE, 0) < 0 {
		// Not a simple type's grammar: the general path.
		m.p("e.Enter(%d)\n", f.index)
		if c := nonEmpty(f, v); c != "" {
			m.p("if %s {\ne.Characters()\n%s\n}\n", c, writer(f.kind, v))
		} else {
			m.p("e.Characters()\n%s\n", writer(f.kind, v))
		}
		m.p("e.EndElement()\n")
		return
	}
	w0, w20 := st0.CodeWidths()
	w1, _ := st1.CodeWidths()
	typed := func() {
		m.code(ci, w0)
		m.p("%s\n", put(f, st0.Prods[ci].Ref, el.Name, v))
		m.code(find(st1, exi.EvEE, 0), w1)
	}
	c := nonEmpty(f, v)
	if c == "" {
		typed()
		return
	}
	m.p("if %s {\n", c)
	typed()
	m.p("} else {\n")
	if i := find(st0, exi.EvEE, 0); i >= 0 {
		m.code(i, w0)
	} else {
		m.code(len(st0.Prods), w0)
		m.code(0, w20)
	}
	m.p("}\n")
}

// body emits the encoder of s from the entry state.
func (m *encSim) body(s *structInfo) {
	S := []int32{0}
	for _, f := range s.attrs {
		v := "x." + f.name
		at := m.g.sc.Attributes[f.index]
		if f.optional {
			val := v
			if f.kind != vkBinary && f.kind != vkBig {
				val = "*" + v
			}
			m.p("if %s != nil {\n", v)
			S2 := m.event(S, exi.EvAT, f.index, func() { m.p("%s\n", put(f, at.Type, at.Name, val)) })
			m.p("}\n")
			S = union(S, S2)
		} else {
			S = m.event(S, exi.EvAT, f.index, func() { m.p("%s\n", put(f, at.Type, at.Name, v)) })
		}
	}
	for _, c := range s.choices {
		m.p("if n := 0")
		for _, f := range c.fields {
			m.p(" + present(x.%s != nil)", f.name)
		}
		if c.required {
			m.p("; n != 1 {\nif n == 0 {\ne.Fail(exi.ErrMissing)\n} else {\ne.Fail(exi.ErrUnexpected)\n}\nreturn\n}\n")
		} else {
			m.p("; n > 1 {\ne.Fail(exi.ErrUnexpected)\nreturn\n}\n")
		}
	}
	for _, f := range s.fields {
		v := "x." + f.name
		switch {
		case f.list:
			if f.max >= 0 {
				m.p("if len(%s) > %d {\ne.Fail(exi.ErrTooLong)\nreturn\n}\n", v, f.max)
			}
			if f.min > 0 {
				m.p("if len(%s) < %d {\ne.Fail(exi.ErrMissing)\nreturn\n}\n", v, f.min)
			}
			// The states at the head of the loop: a fixed point.
			L := S
			for {
				m.flush()
				save, track := m.b.Len(), m.track
				m.track = false
				dyn := m.dyn
				post := m.event(L, exi.EvSE, f.index, nil)
				m.pendV, m.pendW = 0, 0
				m.b.Truncate(save)
				m.track, m.dyn = track, dyn
				n := union(L, post)
				if sameSet(n, L) {
					break
				}
				L = n
			}
			if len(L) > 1 && !m.track {
				m.dyn = true
			}
			m.p("for i := range %s {\n", v)
			m.event(L, exi.EvSE, f.index, func() { m.child(f, v+"[i]") })
			m.p("}\n")
			S = L
		case f.optional:
			m.p("if %s != nil {\n", v)
			val := v
			if f.kind != vkStruct && f.kind != vkBinary && f.kind != vkBig {
				val = "*" + v
			}
			S2 := m.event(S, exi.EvSE, f.index, func() { m.child(f, val) })
			m.p("}\n")
			S = union(S, S2)
		default:
			S = m.event(S, exi.EvSE, f.index, func() { m.child(f, v) })
		}
	}
	if f := s.value; f != nil {
		q := exi.QName{}
		for _, r := range m.g.elementsOf(s) {
			q = m.g.sc.Elements[r].Name
		}
		if c := nonEmpty(f, "x.Value"); c != "" {
			m.p("if %s {\n", c)
			S2 := m.chEvent(S, f, q)
			m.p("}\n")
			S = union(S, S2)
		} else {
			S = m.chEvent(S, f, q)
		}
	}
	m.event(S, exi.EvEE, 0, nil)
	m.flush()
}

// chEvent emits the typed CH of simple content and its value.
func (m *encSim) chEvent(S []int32, f *field, q exi.QName) []int32 {
	var out []int32
	emit := func(s int32) {
		st := &m.gr.States[s]
		i := find(st, exi.EvCH, 0)
		if i < 0 {
			m.p("e.Fail(exi.ErrUnexpected)\nreturn\n")
			return
		}
		w, _ := st.CodeWidths()
		m.code(i, w)
		m.p("%s\n", put(f, st.Prods[i].Ref, q, "x.Value"))
		out = union(out, m.transition(s, st.Prods[i]))
	}
	if len(S) == 1 {
		emit(S[0])
		return out
	}
	if !m.track {
		m.dyn = true
	}
	m.p("switch st {\n")
	for _, s := range S {
		m.p("case %d:\n", s)
		emit(s)
	}
	m.p("default:\ne.Fail(exi.ErrUnexpected)\nreturn\n}\n")
	return out
}

// elementsOf lists the element indices whose content is struct s.
func (g *typeGen) elementsOf(s *structInfo) []int32 {
	var out []int32
	for _, o := range g.order {
		for _, f := range o.fields {
			if f.st == s || (f.st != nil && f.st.embed == s) {
				out = append(out, f.index)
			}
		}
	}
	for _, r := range g.roots {
		if r.st == s || r.st.embed == s {
			out = append(out, r.idx)
		}
	}
	return out
}

// emitStaticEncoder writes the encodeEXI method of a static struct.
func (g *typeGen) emitStaticEncoder(b *bytes.Buffer, s *structInfo) {
	fmt.Fprintf(b, "func (x *%s) encodeEXI(e *exi.Encoder) {\n", s.name)
	if s.embed != nil {
		fmt.Fprintf(b, "\tx.%s.encodeEXI(e)\n}\n\n", s.embed.name)
		return
	}
	m := &encSim{g: g, gr: &g.sc.Grammars[g.static[s]]}
	m.body(s)
	if m.dyn {
		m = &encSim{g: g, gr: m.gr, track: true}
		m.p("var st, n int32\n_, _ = st, n\n")
		m.body(s)
	}
	b.Write(m.b.Bytes())
	b.WriteString("}\n\n")
}

// afterDecode is what follows x.decodeEXI(d) when the caller opened the
// element with a frame: a static decoder reads the EE without closing it.
func (g *typeGen) afterDecode(s *structInfo) string {
	if _, ok := g.static[s]; ok {
		return "d.Leave()\n"
	}
	return ""
}

// reachable lists the states of gr reachable from the entry state.
func reachable(gr *exi.Grammar) []int32 {
	seen := map[int32]bool{0: true}
	todo := []int32{0}
	for len(todo) > 0 {
		s := todo[0]
		todo = todo[1:]
		for _, p := range gr.States[s].Prods {
			if p.Next < 0 {
				continue
			}
			next := []int32{p.Next}
			if ri := gr.States[p.Next].Rep; ri >= 0 {
				r := gr.Reps[ri]
				next = []int32{r.Low, r.Mid, r.High}
			}
			for _, n := range next {
				if n >= 0 && !seen[n] {
					seen[n] = true
					todo = append(todo, n)
				}
			}
		}
	}
	var out []int32
	for s := range seen {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// emitStaticDecoder writes the decodeEXI method of a static struct: a
// loop over the grammar's states with the event codes resolved here.
func (g *typeGen) emitStaticDecoder(b *bytes.Buffer, s *structInfo) {
	m := &encSim{g: g, gr: &g.sc.Grammars[g.static[s]], track: true}
	m.p("func (x *%s) decodeEXI(d *exi.Decoder) {\n", s.name)
	if s.embed != nil {
		m.p("x.%s.decodeEXI(d)\n}\n\n", s.embed.name)
		b.Write(m.b.Bytes())
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
		m.p("old := *x\n")
	}
	m.p("*x = %s{}\n", s.name)
	m.p("var st, n int32\n_ = n\nfor {\nswitch st {\n")
	byEl := map[int32]*field{}
	for _, f := range s.fields {
		byEl[f.index] = f
	}
	byAt := map[int32]*field{}
	for _, f := range s.attrs {
		byAt[f.index] = f
	}
	q := exi.QName{}
	for _, r := range g.elementsOf(s) {
		q = g.sc.Elements[r].Name
	}
	for _, si := range reachable(m.gr) {
		st := &m.gr.States[si]
		w, w2 := st.CodeWidths()
		n2, ee := st.SecondLevel()
		m.p("case %d:\nc, ok := d.Code(%d)\nif !ok {\nreturn\n}\nswitch c {\n", si, w)
		for i, p := range st.Prods {
			m.p("case %d:\n", i)
			switch p.Kind {
			case exi.EvEE:
				m.p("return\n")
				continue
			case exi.EvSE:
				f := byEl[p.Ref]
				if f == nil {
					m.p("d.Unexpected(exi.Event{Kind: exi.EvSE, Index: %d})\nreturn\n", p.Ref)
					continue
				}
				m.decodeField(f)
			case exi.EvAT:
				f := byAt[p.Ref]
				if f == nil {
					m.p("d.Unexpected(exi.Event{Kind: exi.EvAT, Index: %d})\nreturn\n", p.Ref)
					continue
				}
				at := g.sc.Attributes[p.Ref]
				m.p("d.Pending(%d, exi.QName{URI: %d, Local: %d})\n", at.Type, at.Name.URI, at.Name.Local)
				v := "x." + f.name
				switch {
				case f.kind == vkBinary:
					m.p("%s = %s\n", v, reader(f, false, "old."+f.name+"[:0]"))
				case f.optional && f.kind != vkBig:
					m.p("%s = old.%s\nif %s == nil {\n%s = new(%s)\n}\n*%s = %s\n", v, f.name, v, v, f.goType, v, reader(f, false, ""))
				default:
					m.p("%s = %s\n", v, reader(f, false, ""))
				}
			case exi.EvCH:
				if s.value == nil {
					m.p("d.Unexpected(exi.Event{Kind: exi.EvCH, Index: %d})\nreturn\n", p.Ref)
					continue
				}
				old := ""
				if s.value.kind == vkBinary {
					old = "old.Value[:0]"
				}
				m.p("d.Pending(%d, exi.QName{URI: %d, Local: %d})\n", p.Ref, q.URI, q.Local)
				m.p("x.Value = %s\n", reader(s.value, false, old))
			default:
				m.p("d.Unsupported(exi.EventKind(%d))\nreturn\n", p.Kind)
				continue
			}
			m.transition(si, p)
		}
		m.p("case %d:\nd.SecondLevelEE(%d, %d, %t)\nreturn\n", len(st.Prods), w2, n2, ee)
		m.p("default:\nd.Fail(exi.ErrEventCode)\nreturn\n}\n")
	}
	m.p("}\n}\n}\n\n")
	b.Write(m.b.Bytes())
}

// decodeField emits the reading of field f after its SE.
func (m *encSim) decodeField(f *field) {
	v := "x." + f.name
	child := func(v string) {
		if _, ok := m.g.static[f.st]; ok {
			m.p("if !d.Down() {\nreturn\n}\n%s.decodeEXI(d)\nd.Up()\n", v)
		} else {
			m.p("d.Enter(%d)\n%s.decodeEXI(d)\n", f.index, v)
		}
	}
	switch {
	case f.list:
		m.p("if %s == nil {\n%s = old.%s[:0]\n}\n", v, v, f.name)
		if f.max >= 0 {
			m.p("if len(%s) >= %d {\nd.Fail(exi.ErrTooLong)\nreturn\n}\n", v, f.max)
		}
		if f.kind == vkStruct {
			m.p("if n := len(%s); n < cap(%s) {\n%s = %s[:n+1]\n} else {\n%s = append(%s, %s{})\n}\n", v, v, v, v, v, v, f.goType)
			child(v + "[len(" + v + ")-1]")
		} else {
			m.p("%s = append(%s, %s)\n", v, v, readerIn(f, "nil"))
		}
	case f.kind == vkStruct && f.optional:
		m.p("%s = old.%s\nif %s == nil {\n%s = new(%s)\n}\n", v, f.name, v, v, f.goType)
		child(v)
	case f.kind == vkStruct:
		m.p("%s = old.%s\n", v, f.name)
		child(v)
	case f.kind == vkBinary:
		m.p("%s = %s\n", v, readerIn(f, "old."+f.name+"[:0]"))
	case f.optional && f.kind != vkBig:
		m.p("%s = old.%s\nif %s == nil {\n%s = new(%s)\n}\n", v, f.name, v, v, f.goType)
		m.p("*%s = %s\n", v, readerIn(f, ""))
	default:
		m.p("%s = %s\n", v, readerIn(f, ""))
	}
}

// readerIn returns the decoder expression for the content of the simple
// element of field f, whose SE was read; old is the previous value, for
// buffer reuse.
func readerIn(f *field, old string) string {
	switch f.kind {
	case vkString:
		return fmt.Sprintf("d.StringElement(%d)", f.index)
	case vkBinary:
		return fmt.Sprintf("d.BinaryElement(%d, %s)", f.index, old)
	case vkBool:
		return fmt.Sprintf("d.BoolElement(%d)", f.index)
	case vkInt:
		return fmt.Sprintf("%s(d.IntElement(%d))", f.goType, f.index)
	case vkUint:
		return fmt.Sprintf("%s(d.UintElement(%d))", f.goType, f.index)
	case vkBig:
		return fmt.Sprintf("d.BigIntElement(%d)", f.index)
	case vkEnum:
		return fmt.Sprintf("%s(d.EnumElement(%d))", f.goType, f.index)
	}
	panic("readerIn")
}
