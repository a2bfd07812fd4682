package v2g_test

import (
	"bytes"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/internal/testvec"
	"github.com/v2gstack/iso15118/v2g"
	"github.com/v2gstack/iso15118/v2g/iso20"
)

// sessionSetupReq is SessionSetupReq with SessionID 8×00, TimeStamp
// 1700000000 and EVCCID "EVCCID1234567" in the CommonMessages set.
const sessionSetupReq = "808c040000000000000000080e2cfaa06207a2ab21a1a4a21899199a1a9b1b80"

const sessionSetupXML = `<SessionSetupReq xmlns="urn:iso:std:iso:15118:-20:CommonMessages"
 xmlns:ct="urn:iso:std:iso:15118:-20:CommonTypes"><ct:Header><ct:SessionID>%s</ct:SessionID>
 <ct:TimeStamp>1700000000</ct:TimeStamp></ct:Header><EVCCID>%s</EVCCID></SessionSetupReq>`

func common(t *testing.T) *exi.Schema {
	t.Helper()
	sc, err := v2g.SchemaSet("CommonMessages")
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// encodeSetup encodes a SessionSetupReq at the ISO profile; the encoder does
// not check length facets, so it can produce streams the decoder refuses.
func encodeSetup(t *testing.T, sessionID, evccID string) []byte {
	t.Helper()
	n, err := exi.ParseXML(strings.NewReader(strings.NewReplacer("%s", "00").Replace(sessionSetupXML)))
	if err != nil {
		t.Fatal(err)
	}
	n.Kids[0].Kids[0].Text = sessionID
	n.Kids[1].Text = evccID
	b, err := common(t).EncodeDocument(nil, n, exi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantDecodeError checks that err wraps want and is a *exi.DecodeError whose
// bit offset lies within [lo, hi].
func wantDecodeError(t *testing.T, what string, err, want error, lo, hi int) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
		return
	}
	var de *exi.DecodeError
	if !errors.As(err, &de) {
		t.Errorf("%s: %T is not a *exi.DecodeError", what, err)
		return
	}
	if de.BitOffset < lo || de.BitOffset > hi {
		t.Errorf("%s: bit offset %d outside [%d, %d]", what, de.BitOffset, lo, hi)
	}
}

func decodeAs(sc *exi.Schema, fragment bool, b []byte, opt exi.Options) error {
	if fragment {
		_, err := sc.DecodeFragment(b, opt)
		return err
	}
	_, err := sc.DecodeDocument(b, opt)
	return err
}

// TestTruncated cuts streams at every byte length: each prefix must fail with
// ErrTruncated at a bit offset inside the prefix, at both option sets.
func TestTruncated(t *testing.T) {
	type stream struct {
		name     string
		sc       *exi.Schema
		fragment bool
		b        []byte
	}
	streams := []stream{{"SessionSetupReq", common(t), false, mustHex(t, sessionSetupReq)}}
	m := testvec.Load(t)
	picked := map[string]int{}
	for i := range m.Vectors {
		v := &m.Vectors[i]
		key := v.Set + "/" + v.Mode
		if picked[key] >= 1 || v.Bytes < 20 || v.Bytes > 300 {
			continue
		}
		sc, err := v2g.SchemaSet(v.Set)
		if err != nil {
			t.Fatal(err)
		}
		b, err := v.ReadEXI()
		if err != nil {
			t.Fatal(err)
		}
		picked[key]++
		streams = append(streams, stream{v.Path, sc, v.Mode == "fragment", b})
	}
	cuts := 0
	for _, s := range streams {
		for _, opt := range []exi.Options{{}, exi.UnboundedStringTable()} {
			if err := decodeAs(s.sc, s.fragment, s.b, opt); err != nil {
				if opt.ValuePartitionCapacity == 0 && errors.Is(err, exi.ErrStringTableRef) {
					continue
				}
				t.Fatalf("%s: full stream: %v", s.name, err)
			}
			for n := 0; n < len(s.b); n++ {
				err := decodeAs(s.sc, s.fragment, s.b[:n], opt)
				wantDecodeError(t, s.name+fmt.Sprintf(" cut at %d", n), err, exi.ErrTruncated, 0, n*8)
				cuts++
			}
		}
	}
	t.Logf("%d streams, %d truncations", len(streams), cuts)
}

func TestBadHeader(t *testing.T) {
	sc := common(t)
	good := mustHex(t, sessionSetupReq)
	for _, h := range []byte{0x00, 0x24, 0x81, 0x90, 0xa0, 0xc0, 0xff} {
		b := append([]byte{h}, good[1:]...)
		for _, frag := range []bool{false, true} {
			err := decodeAs(sc, frag, b, exi.Options{})
			wantDecodeError(t, "header 0x"+hex.EncodeToString([]byte{h}), err, exi.ErrHeader, 0, 8)
		}
	}
}

func TestTrailingData(t *testing.T) {
	sc := common(t)
	good := mustHex(t, sessionSetupReq)
	if _, err := sc.DecodeDocument(good, exi.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]byte{{0x00}, {0xff}, {0x80, 0x00}} {
		b := append(append([]byte(nil), good...), extra...)
		err := decodeAs(sc, false, b, exi.Options{})
		wantDecodeError(t, "trailing "+hex.EncodeToString(extra), err, exi.ErrTrailingData, (len(good)-1)*8, len(good)*8)
	}
	// A set padding bit: the last byte 0x80 holds one bit of EE.
	b := append([]byte(nil), good...)
	b[len(b)-1] |= 0x01
	wantDecodeError(t, "padding bit", decodeAs(sc, false, b, exi.Options{}), exi.ErrTrailingData, (len(b)-1)*8, len(b)*8)
}

// TestBadEventCode uses the first event code of a document or fragment that
// names no production.
func TestBadEventCode(t *testing.T) {
	checked := 0
	for _, name := range v2g.SetNames() {
		sc, err := v2g.SchemaSet(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, frag := range []bool{false, true} {
			n := len(sc.Doc) + 1 // SE(G_i)…, SE(*)
			if frag {
				n = len(sc.Frag) + 2 // SE(F_i)…, SE(*), ED
			}
			width := 0
			for 1<<width < n {
				width++
			}
			if 1<<width == n {
				continue // every code is used
			}
			var w exi.BitWriter
			w.WriteBits(0x80, 8)
			w.WriteBits(1<<width-1, uint(width))
			w.WriteBits(0, 16)
			err := decodeAs(sc, frag, w.Bytes(), exi.Options{})
			wantDecodeError(t, name, err, exi.ErrEventCode, 8, 8+width)
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no set has an unused first-level code")
	}
	// Flip every bit of a stream after the header: whatever fails must fail
	// with a *DecodeError located at or after the flipped bit.
	sc := common(t)
	good := mustHex(t, sessionSetupReq)
	for i := 8; i < len(good)*8; i++ {
		b := append([]byte(nil), good...)
		b[i/8] ^= 0x80 >> (i % 8)
		for _, opt := range []exi.Options{{}, exi.UnboundedStringTable()} {
			err := decodeAs(sc, false, b, opt)
			if err == nil {
				continue
			}
			var de *exi.DecodeError
			if !errors.As(err, &de) || de.BitOffset < i || de.BitOffset > len(b)*8 {
				t.Errorf("bit %d flipped: %v (not a DecodeError after the flipped bit)", i, err)
			}
		}
	}
}

// TestStringTableRefAtCapacity0 takes a shared vector with a value hit.
func TestStringTableRefAtCapacity0(t *testing.T) {
	m := testvec.Load(t)
	for i := range m.Vectors {
		v := &m.Vectors[i]
		sc, err := v2g.SchemaSet(v.Set)
		if err != nil {
			t.Fatal(err)
		}
		b, err := v.ReadEXI()
		if err != nil {
			t.Fatal(err)
		}
		err = decodeAs(sc, v.Mode == "fragment", b, exi.Options{})
		if !errors.Is(err, exi.ErrStringTableRef) {
			continue
		}
		wantDecodeError(t, v.Path, err, exi.ErrStringTableRef, 8, len(b)*8)
		if err := decodeAs(sc, v.Mode == "fragment", b, exi.UnboundedStringTable()); err != nil {
			t.Errorf("%s at unbounded capacity: %v", v.Path, err)
		}
		return
	}
	t.Fatal("no vector with a string-table hit")
}

// TestTooLong codes values beyond their maxLength/length facets (the
// encoder does not check them): EVCCID is a string of at most 255
// characters, SessionID a hexBinary of 8 octets.
func TestTooLong(t *testing.T) {
	sc := common(t)
	ok := encodeSetup(t, "0000000000000000", "EVCCID1234567")
	if !bytes.Equal(ok, mustHex(t, sessionSetupReq)) {
		t.Fatalf("encodeSetup = %x, want the worked example", ok)
	}
	if _, err := sc.DecodeDocument(encodeSetup(t, "00", strings.Repeat("E", 255)), exi.Options{}); err != nil {
		t.Fatalf("EVCCID of 255 characters: %v", err)
	}
	b := encodeSetup(t, "00", strings.Repeat("E", 256))
	wantDecodeError(t, "EVCCID of 256", decodeAs(sc, false, b, exi.Options{}), exi.ErrTooLong, 8, len(b)*8)
	b = encodeSetup(t, "000000000000000000", "E")
	wantDecodeError(t, "SessionID of 9 octets", decodeAs(sc, false, b, exi.Options{}), exi.ErrTooLong, 8, len(b)*8)
}

func TestMaxDepth(t *testing.T) {
	sc := common(t)
	b := mustHex(t, sessionSetupReq)
	// SessionSetupReq/Header/SessionID nests three levels.
	if _, err := sc.DecodeDocument(b, exi.Options{MaxDepth: 3}); err != nil {
		t.Fatalf("MaxDepth 3: %v", err)
	}
	wantDecodeError(t, "MaxDepth 2", decodeAs(sc, false, b, exi.Options{MaxDepth: 2}), exi.ErrDepth, 8, len(b)*8)
	wantDecodeError(t, "MaxDepth 1", decodeAs(sc, false, b, exi.Options{MaxDepth: 1}), exi.ErrDepth, 8, len(b)*8)
}

// lengthField finds the bit offset of an Unsigned Integer that is va in a
// and vb in b, two streams identical before it.
func lengthField(t *testing.T, a, b []byte, va, vb uint64) int {
	t.Helper()
	first := -1
	for i := 0; i < len(a)*8 && i < len(b)*8; i++ {
		if (a[i/8]>>(7-i%8))&1 != (b[i/8]>>(7-i%8))&1 {
			first = i
			break
		}
	}
	if first < 0 {
		t.Fatal("streams do not differ")
	}
	for s := first; s >= 0 && s >= first-8; s-- {
		var ra, rb exi.BitReader
		ra.Reset(a)
		rb.Reset(b)
		ra.ReadBits(uint(s))
		rb.ReadBits(uint(s))
		x, _ := ra.ReadUint()
		y, _ := rb.ReadUint()
		if x == va && y == vb {
			return s
		}
	}
	t.Fatalf("no length field %d/%d near bit %d", va, vb, first)
	return 0
}

// withLength copies the first bits of b, writes length as an Unsigned
// Integer and some filler octets.
func withLength(b []byte, bits int, length uint64) []byte {
	var r exi.BitReader
	r.Reset(b)
	var w exi.BitWriter
	for i := 0; i < bits; i++ {
		v, _ := r.ReadBits(1)
		w.WriteBits(v, 1)
	}
	w.WriteUint(length)
	for _, x := range []byte("ABCDEFGH") {
		w.WriteBits(uint64(x), 8)
	}
	return w.Bytes()
}

// TestHugeLengths claims binary and string lengths of 2^40 and more: the
// decoder must refuse them at once, without allocating for the claim.
func TestHugeLengths(t *testing.T) {
	sc := common(t)
	// SessionID: hexBinary, length 1 vs 2 octets.
	a := encodeSetup(t, "00", "E")
	b := encodeSetup(t, "0000", "E")
	binAt := lengthField(t, a, b, 1, 2)
	// EVCCID: string, length+2 = 3 vs 4.
	c := encodeSetup(t, "00", "EV")
	strAt := lengthField(t, a, c, 3, 4)
	if !(binAt < strAt) {
		t.Fatalf("length fields at %d and %d", binAt, strAt)
	}
	cases := []struct {
		name string
		in   []byte
	}{
		{"binary 2^40", withLength(a, binAt, 1<<40)},
		{"binary 2^63", withLength(a, binAt, 1<<63)},
		{"string 2^40", withLength(a, strAt, 1<<40+2)},
		{"string 2^63", withLength(a, strAt, 1<<63)},
		{"binary 2^70", nil},
	}
	// An Unsigned Integer of 2^70: ten continuation groups.
	var over []byte
	{
		var r exi.BitReader
		r.Reset(a)
		var w exi.BitWriter
		for i := 0; i < binAt; i++ {
			v, _ := r.ReadBits(1)
			w.WriteBits(v, 1)
		}
		for i := 0; i < 10; i++ {
			w.WriteBits(0xff, 8)
		}
		w.WriteBits(0x01, 8)
		over = w.Bytes()
	}
	cases[len(cases)-1].in = over
	// Values without a length facet: the bound is the input itself.
	dv := func(text string) []byte {
		n := &exi.Node{Name: xml.Name{Space: "http://www.w3.org/2000/09/xmldsig#", Local: "DigestValue"}, Text: text}
		b, err := sc.EncodeDocument(nil, n, exi.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	kn := func(text string) []byte {
		n := &exi.Node{Name: xml.Name{Space: "http://www.w3.org/2000/09/xmldsig#", Local: "KeyName"}, Text: text}
		b, err := sc.EncodeDocument(nil, n, exi.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	d1 := dv("AA==")
	at := lengthField(t, d1, dv("AAA="), 1, 2)
	cases = append(cases, struct {
		name string
		in   []byte
	}{"unbounded binary 2^40", withLength(d1, at, 1<<40)})
	k1 := kn("k")
	at = lengthField(t, k1, kn("kk"), 3, 4)
	cases = append(cases, struct {
		name string
		in   []byte
	}{"unbounded string 2^40", withLength(k1, at, 1<<40+2)})
	for _, tc := range cases {
		for _, opt := range []exi.Options{{}, exi.UnboundedStringTable()} {
			start := time.Now()
			var err error
			allocs := testing.AllocsPerRun(20, func() { _, err = sc.DecodeDocument(tc.in, opt) })
			if err == nil {
				t.Errorf("%s: decoded", tc.name)
				continue
			}
			if !errors.Is(err, exi.ErrTruncated) && !errors.Is(err, exi.ErrTooLong) && !errors.Is(err, exi.ErrOverflow) {
				t.Errorf("%s: %v, want ErrTruncated, ErrTooLong or ErrOverflow", tc.name, err)
			}
			if allocs > 200 {
				t.Errorf("%s: %.0f allocations per decode", tc.name, allocs)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%s: 21 decodes took %v", tc.name, d)
			}
			t.Logf("%s: %v (%.0f allocs)", tc.name, err, allocs)
		}
	}
}

// TestIntegerRange: TimeStamp is an xs:unsignedLong, so 2^64 does not
// decode, and a run of continuation groups is refused in linear time. The
// encoders do not write 2^64 typed (the Node encoder codes it as untyped
// character data), so the offending stream is built bit by bit.
func TestIntegerRange(t *testing.T) {
	sc := common(t)
	enc := func(ts string) []byte {
		n, err := exi.ParseXML(strings.NewReader(strings.NewReplacer("%s", "00").Replace(sessionSetupXML)))
		if err != nil {
			t.Fatal(err)
		}
		n.Kids[0].Kids[1].Text = ts
		b, err := sc.EncodeDocument(nil, n, exi.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const max = 1<<64 - 1
	if _, err := sc.DecodeDocument(enc("18446744073709551615"), exi.Options{}); err != nil {
		t.Errorf("TimeStamp 2^64-1: %v", err)
	}
	// 2^64-1 and 2^64 are both ten 7-bit groups: nine 0xff then 0x01, and
	// nine 0x80 then 0x02. Replace the one by the other.
	hi := enc("18446744073709551615")
	at := lengthField(t, hi, enc("18446744073709551614"), max, max-1)
	var r exi.BitReader
	r.Reset(hi)
	var w exi.BitWriter
	for i := 0; i < at; i++ {
		v, _ := r.ReadBits(1)
		w.WriteBits(v, 1)
	}
	for i := 0; i < 9; i++ {
		w.WriteBits(0x80, 8)
	}
	w.WriteBits(0x02, 8)
	r.ReadBits(80)
	for r.Remaining() > 0 {
		v, _ := r.ReadBits(1)
		w.WriteBits(v, 1)
	}
	b := w.Bytes()
	if len(b) != len(hi) {
		t.Fatalf("stream of %d octets, want %d", len(b), len(hi))
	}
	wantDecodeError(t, "TimeStamp 2^64", decodeAs(sc, false, b, exi.Options{}), exi.ErrOutOfRange, at, at+80)
	// The typed decoder reads TimeStamp into a uint64, which 2^64 overflows.
	var typed iso20.SessionSetupReq
	wantDecodeError(t, "TimeStamp 2^64, typed", typed.DecodeEXI(b, exi.Options{}), exi.ErrOverflow, at, at+80)

	// The Node encoder codes 2^64 as untyped character data, which its
	// decoder reads back as written and the typed decoder refuses.
	u := enc("18446744073709551616")
	n, err := sc.DecodeDocument(u, exi.Options{})
	if err != nil {
		t.Fatalf("TimeStamp 2^64 untyped: %v", err)
	}
	if got := n.Kids[0].Kids[1].Text; got != "18446744073709551616" {
		t.Errorf("TimeStamp 2^64 untyped: decoded %q", got)
	}
	if err := typed.DecodeEXI(u, exi.Options{}); !errors.Is(err, exi.ErrUnsupported) {
		t.Errorf("TimeStamp 2^64 untyped, typed decoder: %v, want ErrUnsupported", err)
	}

	a := enc("1")
	at = lengthField(t, a, enc("2"), 1, 2)
	r.Reset(a)
	w.Reset(nil)
	for i := 0; i < at; i++ {
		v, _ := r.ReadBits(1)
		w.WriteBits(v, 1)
	}
	for i := 0; i < 200000; i++ {
		w.WriteBits(0x81, 8)
	}
	w.WriteBits(0x01, 8)
	in := w.Bytes()
	start := time.Now()
	err = decodeAs(sc, false, in, exi.Options{})
	if !errors.Is(err, exi.ErrOutOfRange) {
		t.Errorf("200000 groups: %v, want ErrOutOfRange", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("200000 groups took %v", d)
	}
}
