package exi

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Node is one element of an XML infoset as the generic codec reads and
// writes it: the namespace-aware name, the attributes (no namespace
// declarations), and either character content (Text) or child nodes. In
// mixed content a child with an empty Name is a text node.
type Node struct {
	Name  xml.Name
	Attrs []xml.Attr
	Text  string
	Kids  []*Node
}

// IsText reports whether n is a text node of mixed content.
func (n *Node) IsText() bool { return n.Name.Local == "" }

// ParseXML reads one XML element tree. Whitespace-only text between child
// elements is dropped; text of an element without child elements is kept.
func ParseXML(r io.Reader) (*Node, error) {
	d := xml.NewDecoder(r)
	var stack []*Node
	var texts []*strings.Builder
	var root *Node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("exi: xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &Node{Name: t.Name}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				n.Attrs = append(n.Attrs, a)
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				flushText(p, texts[len(texts)-1], false)
				p.Kids = append(p.Kids, n)
			} else if root == nil {
				root = n
			} else {
				return nil, errors.New("exi: xml: more than one root element")
			}
			stack = append(stack, n)
			texts = append(texts, &strings.Builder{})
		case xml.EndElement:
			n := stack[len(stack)-1]
			tb := texts[len(texts)-1]
			if len(n.Kids) == 0 {
				n.Text = tb.String()
			} else {
				flushText(n, tb, false)
			}
			stack = stack[:len(stack)-1]
			texts = texts[:len(texts)-1]
		case xml.CharData:
			if len(stack) > 0 {
				texts[len(texts)-1].Write(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("exi: xml: no root element")
	}
	return root, nil
}

// flushText turns pending non-whitespace text into a text node.
func flushText(p *Node, tb *strings.Builder, _ bool) {
	s := tb.String()
	tb.Reset()
	if strings.TrimSpace(s) == "" {
		return
	}
	if len(p.Kids) == 0 && p.Text == "" {
		// Text before the first child element of mixed content.
		p.Kids = append(p.Kids, &Node{Text: s})
		return
	}
	p.Kids = append(p.Kids, &Node{Text: s})
}

// WriteXML writes n as indented XML with generated namespace prefixes.
func (n *Node) WriteXML(w io.Writer) error {
	var b bytes.Buffer
	ns := map[string]string{}
	var order []string
	collectNS(n, ns, &order)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	writeNode(&b, n, ns, order, 0, true)
	_, err := w.Write(b.Bytes())
	return err
}

func collectNS(n *Node, ns map[string]string, order *[]string) {
	add := func(u string) {
		if u == "" {
			return
		}
		if _, ok := ns[u]; !ok {
			ns[u] = fmt.Sprintf("ns%d", len(*order)+1)
			*order = append(*order, u)
		}
	}
	add(n.Name.Space)
	for _, a := range n.Attrs {
		add(a.Name.Space)
	}
	for _, k := range n.Kids {
		if !k.IsText() {
			collectNS(k, ns, order)
		}
	}
}

func qn(name xml.Name, ns map[string]string) string {
	if name.Space == "" {
		return name.Local
	}
	return ns[name.Space] + ":" + name.Local
}

func writeNode(b *bytes.Buffer, n *Node, ns map[string]string, order []string, depth int, root bool) {
	mixed := false
	for _, k := range n.Kids {
		if k.IsText() {
			mixed = true
		}
	}
	b.WriteString(strings.Repeat("  ", depth))
	b.WriteByte('<')
	b.WriteString(qn(n.Name, ns))
	if root {
		for _, u := range order {
			fmt.Fprintf(b, ` xmlns:%s="`, ns[u])
			xml.EscapeText(b, []byte(u))
			b.WriteByte('"')
		}
	}
	for _, a := range n.Attrs {
		fmt.Fprintf(b, ` %s="`, qn(a.Name, ns))
		xml.EscapeText(b, []byte(a.Value))
		b.WriteByte('"')
	}
	switch {
	case len(n.Kids) == 0 && n.Text == "":
		b.WriteString("/>\n")
	case len(n.Kids) == 0:
		b.WriteByte('>')
		xml.EscapeText(b, []byte(n.Text))
		b.WriteString("</" + qn(n.Name, ns) + ">\n")
	case mixed:
		b.WriteByte('>')
		for _, k := range n.Kids {
			if k.IsText() {
				xml.EscapeText(b, []byte(k.Text))
				continue
			}
			var kb bytes.Buffer
			writeNode(&kb, k, ns, order, 0, false)
			b.Write(bytes.TrimRight(kb.Bytes(), "\n"))
		}
		b.WriteString("</" + qn(n.Name, ns) + ">\n")
	default:
		b.WriteString(">\n")
		for _, k := range n.Kids {
			writeNode(b, k, ns, order, depth+1, false)
		}
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString("</" + qn(n.Name, ns) + ">\n")
	}
}

// Equal reports whether a and b are the same namespace-aware infoset:
// names, attribute sets, text and children in order. It returns a
// description of the first difference.
func Equal(a, b *Node) (bool, string) {
	return equalAt(a, b, "/"+a.Name.Local)
}

func equalAt(a, b *Node, path string) (bool, string) {
	if a.Name != b.Name {
		return false, fmt.Sprintf("%s: name %v vs %v", path, a.Name, b.Name)
	}
	if len(a.Attrs) != len(b.Attrs) {
		return false, fmt.Sprintf("%s: %d vs %d attributes", path, len(a.Attrs), len(b.Attrs))
	}
	as := append([]xml.Attr(nil), a.Attrs...)
	bs := append([]xml.Attr(nil), b.Attrs...)
	less := func(l []xml.Attr) func(i, j int) bool {
		return func(i, j int) bool {
			if l[i].Name.Space != l[j].Name.Space {
				return l[i].Name.Space < l[j].Name.Space
			}
			return l[i].Name.Local < l[j].Name.Local
		}
	}
	sort.Slice(as, less(as))
	sort.Slice(bs, less(bs))
	for i := range as {
		if as[i] != bs[i] {
			return false, fmt.Sprintf("%s: attribute %v=%q vs %v=%q", path, as[i].Name, as[i].Value, bs[i].Name, bs[i].Value)
		}
	}
	if a.Text != b.Text {
		return false, fmt.Sprintf("%s: text %q vs %q", path, a.Text, b.Text)
	}
	if len(a.Kids) != len(b.Kids) {
		return false, fmt.Sprintf("%s: %d vs %d children", path, len(a.Kids), len(b.Kids))
	}
	for i := range a.Kids {
		if ok, why := equalAt(a.Kids[i], b.Kids[i], path+"/"+a.Kids[i].Name.Local); !ok {
			return false, why
		}
	}
	return true, ""
}
