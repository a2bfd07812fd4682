package exi

// This file holds the data model of a compiled schema set: the string-table
// seeds, element and attribute declarations, datatypes and the normalised
// EXI grammars. exigen emits a Schema as Go data; one interpreter in this
// package encodes and decodes with it, and the generated typed code takes
// its event codes from it at generation time.

// EventKind is the kind of a grammar production's terminal.
type EventKind uint8

// Event kinds of schema-informed productions.
const (
	EvEE        EventKind = iota // EE
	EvSE                         // SE(qname): Ref is an element index
	EvSEAny                      // SE(*) (Ref < 0) or SE(uri:*) (Ref = URI id)
	EvAT                         // AT(qname): Ref is an attribute index
	EvATAny                      // AT(*) or AT(uri:*)
	EvCH                         // CH[typed]: Ref is a datatype index
	EvCHUntyped                  // CH[untyped], in mixed content
	EvED                         // ED: end of the stream (Decoder events only)
)

// StateClass says which undeclared productions a state carries (EXI §8.5.4.4.1).
type StateClass uint8

// State classes.
const (
	ClassStart0  StateClass = iota // the entry state Element_i,0
	ClassStart                     // 0 < j ≤ content
	ClassContent                   // j > content, and content2
)

// QName is a qualified name as ids into the string table's URI partition and
// that URI's local-name partition.
type QName struct {
	URI   int32
	Local int32
}

// Prod is one schema-derived production of a grammar state.
type Prod struct {
	Kind EventKind
	Ref  int32 // element, attribute or datatype index (see EventKind)
	Next int32 // state index within the grammar; -1 after EE
}

// State is one non-terminal of a normalised grammar. Prods are in event-code
// order.
type State struct {
	Prods []Prod
	Class StateClass
	Rep   int32 // index into Grammar.Reps for a counted repetition, or -1

	// Derived by Schema.Init.
	width uint8 // bits of a first-level event code: ⌈log2(len(Prods)+1)⌉
	l2w   uint8 // bits of a second-level event code
	ee    int16 // index of the EE production, or -1
	ch    int16 // index of the first CH production, or -1
}

// Rep describes the variants of a counted repetition of one element particle
// with bounds Min..Max (Max < 0: unbounded). The state after k occurrences is
// Low while k < Min, High when k == Max, and Mid otherwise. A production that
// targets any of the variants from outside the repetition enters it with
// k = 1; from inside, k increases by one.
type Rep struct {
	Min, Max       int32
	Low, Mid, High int32 // state indices; -1 where a variant cannot occur
}

// Grammar is the normalised grammar of one type (EXI §8.5.4).
type Grammar struct {
	States   []State
	Content  int32 // the content index (§8.5.4.4.1)
	Content2 int32 // the copy of the content state used after a deviation
	Reps     []Rep
	Simple   int32 // datatype index when the type is simple, else -1
	Mixed    bool

	// Derived by Schema.Init: the first-level codes of a grammar whose
	// entry state has a typed CH and whose state after it has EE, as
	// simple types' grammars do. chRef is the CH production's datatype.
	simple          bool
	chCode, chWidth uint8
	eeCode, eeWidth uint8
	chNext          int32
	chRef           int32
}

// Element is an element declaration.
type Element struct {
	Name    QName
	Grammar int32
	Global  bool
}

// Attribute is an attribute declaration (or use).
type Attribute struct {
	Name QName
	Type int32
}

// TypeKind is the EXI datatype representation of a simple type (§7.1).
type TypeKind uint8

// Datatype representations.
const (
	TString    TypeKind = iota // String (§7.1.10), through the string table
	TBoolean                   // Boolean (§7.1.2)
	THexBinary                 // Binary, lexical hexBinary
	TBase64                    // Binary, lexical base64Binary
	TInteger                   // Integer (§7.1.5), sign and magnitude
	TUnsigned                  // Unsigned Integer (§7.1.6)
	TNBit                      // n-bit Unsigned Integer of v − Min
	TEnum                      // Enumeration (§7.2) by index
)

// Datatype is the EXI view of a simple type, with the facets that bound
// decoding.
type Datatype struct {
	Kind   TypeKind
	Bits   uint8 // TNBit and TEnum: width in bits
	Min    int64 // TNBit: offset; also the lower bound when HasMin
	Max    int64 // upper bound when HasMax
	HasMin bool  // Min is a facet (or the built-in type's bound)
	HasMax bool  // Max is a facet
	// MaxUint is an upper bound above the int64 range (xs:unsignedLong's
	// 2^64−1), valid when HasMaxUint.
	MaxUint    uint64
	HasMaxUint bool
	MaxLen     int32 // maxLength/length facet, or -1: characters for strings, octets for binaries
	MinLen     int32 // minLength/length facet, or 0
	Enum       []string
	Base       TypeKind // TEnum: representation of the enumerated base type
	Name       string   // schema type name, for messages
}

// Schema is a compiled schema set.
type Schema struct {
	Name       string
	URIs       []string   // initial URI partition, in id order
	LocalNames [][]string // initial local-name partition per URI id
	Elements   []Element
	Attributes []Attribute
	Types      []Datatype
	Grammars   []Grammar
	Doc        []int32 // DocContent SE(G_i), in event-code order
	Frag       []int32 // FragmentContent SE(F_i), in event-code order
	// TypeGrammars lists the named types, for xsi:type.
	TypeGrammars []TypeGrammar

	idx *schemaIndex

	// Derived by Init: code widths of the top-level SE events.
	docWidth, fragWidth uint8
}

// Fixed URI ids of the string table (EXI Appendix D.1).
const (
	URIEmpty = 0
	URIXML   = 1
	URIXSI   = 2
	URIXSD   = 3
)
