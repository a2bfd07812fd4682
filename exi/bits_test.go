package exi

import (
	"bytes"
	"errors"
	"testing"
)

func TestUnsignedIntegerCoding(t *testing.T) {
	// EXI §7.1.6: 7-bit groups, least significant first, high bit = more.
	cases := []struct {
		v    uint64
		want []byte
	}{
		{0, []byte{0x00}},
		{1, []byte{0x01}},
		{127, []byte{0x7f}},
		{128, []byte{0x80, 0x01}},
		{300, []byte{0xac, 0x02}},
		{1 << 63, []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
		{^uint64(0), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
	}
	for _, c := range cases {
		var w BitWriter
		w.WriteUint(c.v)
		got := w.Bytes()
		if !bytes.Equal(got, c.want) {
			t.Errorf("WriteUint(%d) = % x, want % x", c.v, got, c.want)
		}
		var r BitReader
		r.Reset(c.want)
		v, err := r.ReadUint()
		if err != nil || v != c.v {
			t.Errorf("ReadUint(% x) = %d, %v; want %d", c.want, v, err, c.v)
		}
	}
}

func TestReadUintOverflow(t *testing.T) {
	var r BitReader
	r.Reset([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02})
	if _, err := r.ReadUint(); !errors.Is(err, ErrOverflow) {
		t.Fatalf("err = %v, want ErrOverflow", err)
	}
	r.Reset([]byte{0x80, 0x80})
	if _, err := r.ReadUint(); !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
}

func TestBitPacking(t *testing.T) {
	var w BitWriter
	w.WriteBits(0b10, 2)
	w.WriteBits(0b000011, 6)
	w.WriteBits(0b1, 1)
	got := w.Bytes()
	if want := []byte{0x83, 0x80}; !bytes.Equal(got, want) {
		t.Fatalf("got % x, want % x (MSB first, zero padding)", got, want)
	}
	var r BitReader
	r.Reset(got)
	for _, c := range []struct {
		n    uint
		want uint64
	}{{2, 0b10}, {6, 0b11}, {1, 1}, {7, 0}} {
		v, err := r.ReadBits(c.n)
		if err != nil || v != c.want {
			t.Fatalf("ReadBits(%d) = %b, %v; want %b", c.n, v, err, c.want)
		}
	}
	if _, err := r.ReadBits(1); !errors.Is(err, ErrTruncated) {
		t.Fatalf("read past the end: %v", err)
	}
}

func TestBitsFor(t *testing.T) {
	for n, want := range map[int]uint{1: 0, 2: 1, 3: 2, 4: 2, 5: 3, 55: 6, 283: 9, 4096: 12, 4097: 13} {
		if got := bitsFor(n); got != want {
			t.Errorf("bitsFor(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestReadBitsNearEnd reads at every position of short inputs, where the
// reader cannot load eight octets, against bits taken one at a time.
func TestReadBitsNearEnd(t *testing.T) {
	src := []byte{0xa5, 0x3c, 0xff, 0x01, 0x80, 0x7e, 0x42, 0x99, 0x10, 0xee, 0x5a}
	bit := func(b []byte, i int) uint64 { return uint64(b[i/8]>>(7-i%8)) & 1 }
	for l := 0; l <= len(src); l++ {
		b := src[:l]
		for pos := 0; pos <= 8*l; pos++ {
			for n := uint(1); n <= 56; n++ {
				var r BitReader
				r.Reset(b)
				r.pos = pos
				got, err := r.ReadBits(n)
				if pos+int(n) > 8*l {
					if err == nil {
						t.Fatalf("len %d pos %d n %d: no error", l, pos, n)
					}
					continue
				}
				var want uint64
				for i := 0; i < int(n); i++ {
					want = want<<1 | bit(b, pos+i)
				}
				if err != nil || got != want || r.Pos() != pos+int(n) {
					t.Fatalf("len %d pos %d n %d: %#x, %v, pos %d; want %#x", l, pos, n, got, err, r.Pos(), want)
				}
				r.pos = pos
				if pk, ok := r.peek(n); !ok || pk != want {
					t.Fatalf("len %d pos %d n %d: peek %#x, %v; want %#x", l, pos, n, pk, ok, want)
				}
			}
		}
	}
}
