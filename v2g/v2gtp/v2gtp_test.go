package v2gtp

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestAppendHeader(t *testing.T) {
	got := AppendHeader(nil, Mainstream, 0x0102)
	want := []byte{0x01, 0xFE, 0x80, 0x02, 0x00, 0x00, 0x01, 0x02}
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendHeader = % x, want % x", got, want)
	}
	h, err := ParseHeader(want, 0)
	if err != nil || h != (Header{Type: Mainstream, Length: 0x102}) {
		t.Fatalf("ParseHeader = %+v, %v", h, err)
	}
}

func TestParseHeaderErrors(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		max  int
		want error
	}{
		{"short", []byte{0x01, 0xFE, 0x80}, 0, ErrTruncated},
		{"version", []byte{0x02, 0xFD, 0x80, 0x02, 0, 0, 0, 1}, 0, ErrVersion},
		{"inverse", []byte{0x01, 0xFF, 0x80, 0x02, 0, 0, 0, 1}, 0, ErrVersion},
		{"version before type", []byte{0x02, 0xFE, 0x12, 0x34, 0, 0, 0, 1}, 0, ErrVersion},
		{"too large", []byte{0x01, 0xFE, 0x80, 0x02, 0, 0, 0, 11}, 10, ErrPayloadTooLarge},
		{"unknown type", []byte{0x01, 0xFE, 0x12, 0x34, 0, 0, 0, 1}, 0, ErrUnknownPayloadType},
	}
	for _, c := range cases {
		_, err := ParseHeader(c.in, c.max)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
		var he *HeaderError
		if c.want != ErrTruncated && !errors.As(err, &he) {
			t.Errorf("%s: want a *HeaderError, got %T", c.name, err)
		}
	}
}

func TestPayloadTypes(t *testing.T) {
	for _, c := range []struct {
		t    PayloadType
		v    uint16
		name string
	}{{SAP, 0x8001, "SAP"}, {Mainstream, 0x8002, "Mainstream"}, {ACMainstream, 0x8003, "ACMainstream"},
		{DCMainstream, 0x8004, "DCMainstream"}, {ACDPMainstream, 0x8005, "ACDPMainstream"}, {WPTMainstream, 0x8006, "WPTMainstream"},
		{ScheduleRenegotiation, 0x8101, "ScheduleRenegotiation"}, {MeteringConfirmation, 0x8102, "MeteringConfirmation"},
		{ACDPSystemStatus, 0x8103, "ACDPSystemStatus"}, {ParkingStatus, 0x8104, "ParkingStatus"},
		{SDPRequest, 0x9000, "SDPRequest"}, {SDPResponse, 0x9001, "SDPResponse"},
		{SDPRequestWireless, 0x9002, "SDPRequestWireless"}, {SDPResponseWireless, 0x9003, "SDPResponseWireless"}} {
		if uint16(c.t) != c.v || c.t.String() != c.name || !c.t.Known() {
			t.Errorf("%v: value 0x%04x name %q known %v", c.t, uint16(c.t), c.t.String(), c.t.Known())
		}
	}
	if PayloadType(0x8007).Known() || PayloadType(0xA000).String() != "PayloadType(0xA000)" {
		t.Error("reserved and manufacturer types must be unknown")
	}
}

func frames(payloads ...[]byte) []byte {
	var b []byte
	for i, p := range payloads {
		b = AppendFrame(b, []PayloadType{SAP, Mainstream, DCMainstream}[i%3], p)
	}
	return b
}

func readAll(t *testing.T, r *Reader) ([]Frame, error) {
	t.Helper()
	var out []Frame
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return out, err
		}
		out = append(out, Frame{Type: f.Type, Payload: append([]byte(nil), f.Payload...)})
	}
}

func TestReaderSplitsAndReassembles(t *testing.T) {
	ps := [][]byte{[]byte("first"), {}, bytes.Repeat([]byte{0xAB}, 5000), []byte("last")}
	stream := frames(ps...)
	for name, src := range map[string]io.Reader{
		"one read":        bytes.NewReader(stream),
		"one byte a time": iotest.OneByteReader(bytes.NewReader(stream)),
		"half reads":      iotest.HalfReader(bytes.NewReader(stream)),
	} {
		got, err := readAll(t, NewReader(src, 0))
		if !errors.Is(err, io.EOF) {
			t.Fatalf("%s: end: %v, want io.EOF", name, err)
		}
		if len(got) != len(ps) {
			t.Fatalf("%s: %d frames, want %d", name, len(got), len(ps))
		}
		for i := range ps {
			if !bytes.Equal(got[i].Payload, ps[i]) {
				t.Errorf("%s: frame %d payload differs", name, i)
			}
		}
	}
}

func TestReaderMaxLength(t *testing.T) {
	exact := AppendFrame(nil, Mainstream, make([]byte, 100))
	if _, err := NewReader(bytes.NewReader(exact), 100).ReadFrame(); err != nil {
		t.Fatalf("payload of exactly the maximum: %v", err)
	}
	over := AppendFrame(nil, Mainstream, make([]byte, 101))
	if _, err := NewReader(bytes.NewReader(over), 100).ReadFrame(); !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("maximum+1: %v, want ErrPayloadTooLarge", err)
	}
	// A huge claimed length is refused before anything is allocated for it.
	huge := []byte{0x01, 0xFE, 0x80, 0x02, 0xFF, 0xFF, 0xFF, 0xFF}
	if _, err := NewReader(bytes.NewReader(huge), 0).ReadFrame(); !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("4 GiB claim: %v", err)
	}
}

func TestReaderTruncated(t *testing.T) {
	f := AppendFrame(nil, SAP, []byte("payload"))
	for n := 1; n < len(f); n++ {
		_, err := NewReader(bytes.NewReader(f[:n]), 0).ReadFrame()
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("cut at %d: %v, want ErrTruncated", n, err)
		}
	}
	if _, err := NewReader(bytes.NewReader(nil), 0).ReadFrame(); err != io.EOF {
		t.Errorf("empty stream: %v, want io.EOF", err)
	}
}

func TestReaderSkipsUnknownPayloadType(t *testing.T) {
	stream := AppendFrame(nil, PayloadType(0xA001), []byte("vendor"))
	stream = AppendFrame(stream, Mainstream, []byte("next"))
	r := NewReader(bytes.NewReader(stream), 0)
	f, err := r.ReadFrame()
	if !errors.Is(err, ErrUnknownPayloadType) || f.Type != 0xA001 || string(f.Payload) != "vendor" {
		t.Fatalf("unknown type: %+v, %v", f, err)
	}
	f, err = r.ReadFrame()
	if err != nil || f.Type != Mainstream || string(f.Payload) != "next" {
		t.Fatalf("after skipping: %+v, %v", f, err)
	}
}

func TestReaderBadVersion(t *testing.T) {
	b := AppendFrame(nil, SAP, []byte("x"))
	b[1] = 0xFF
	if _, err := NewReader(bytes.NewReader(b), 0).ReadFrame(); !errors.Is(err, ErrVersion) {
		t.Fatalf("err = %v, want ErrVersion", err)
	}
}

func TestZeroAllocs(t *testing.T) {
	hdr := AppendHeader(nil, DCMainstream, 42)
	buf := make([]byte, 0, 64)
	payload := []byte("payload")
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseHeader(hdr, 0) }); n != 0 {
		t.Errorf("ParseHeader allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = AppendHeader(buf[:0], DCMainstream, 42) }); n != 0 {
		t.Errorf("AppendHeader allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = AppendFrame(buf[:0], DCMainstream, payload) }); n != 0 {
		t.Errorf("AppendFrame allocates %v times", n)
	}
}

func FuzzReader(f *testing.F) {
	f.Add(frames([]byte("a"), []byte("bc")))
	f.Add([]byte{0x01, 0xFE, 0x80, 0x02, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{0x01, 0xFE})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(bytes.NewReader(b), 1024)
		total := 0
		for i := 0; i < len(b)+1; i++ {
			fr, err := r.ReadFrame()
			if err != nil && !errors.Is(err, ErrUnknownPayloadType) {
				return
			}
			if len(fr.Payload) > 1024 {
				t.Fatalf("payload of %d bytes over the limit", len(fr.Payload))
			}
			total += HeaderLen + len(fr.Payload)
			if total > len(b) {
				t.Fatalf("read %d bytes from %d", total, len(b))
			}
		}
	})
}

func BenchmarkParseHeader(b *testing.B) {
	hdr := AppendHeader(nil, DCMainstream, 42)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = ParseHeader(hdr, 0)
	}
}

func BenchmarkAppendFrame(b *testing.B) {
	buf := make([]byte, 0, 256)
	payload := make([]byte, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendFrame(buf[:0], DCMainstream, payload)
	}
}

func BenchmarkReadFrame(b *testing.B) {
	stream := bytes.Repeat(AppendFrame(nil, DCMainstream, make([]byte, 128)), 64)
	src := bytes.NewReader(stream)
	r := NewReader(src, 0)
	b.ReportAllocs()
	b.SetBytes(int64(HeaderLen + 128))
	for b.Loop() {
		if _, err := r.ReadFrame(); err != nil {
			src.Reset(stream)
		}
	}
}
