package exi

import (
	"encoding/binary"
	"math/bits"
)

// BitWriter appends bit-packed EXI items to a byte slice, most significant
// bit first. The zero value is ready to use; Reset gives it a caller's buffer.
type BitWriter struct {
	buf  []byte
	acc  uint64 // pending bits, right-aligned
	nacc uint   // number of pending bits (< 8 after each flush)
}

// Reset makes w append to dst[:len(dst)].
func (w *BitWriter) Reset(dst []byte) {
	w.buf = dst
	w.acc = 0
	w.nacc = 0
}

// WriteBits writes the n low bits of v (n ≤ 57), most significant first.
func (w *BitWriter) WriteBits(v uint64, n uint) {
	if n == 0 {
		return
	}
	w.acc = w.acc<<n | v&(1<<n-1)
	w.nacc += n
	for w.nacc >= 8 {
		w.nacc -= 8
		w.buf = append(w.buf, byte(w.acc>>w.nacc))
	}
	w.acc &= 1<<w.nacc - 1
}

// WriteBit writes one bit.
func (w *BitWriter) WriteBit(b bool) {
	if b {
		w.WriteBits(1, 1)
	} else {
		w.WriteBits(0, 1)
	}
}

// WriteUint writes an EXI Unsigned Integer (§7.1.6): 7-bit groups, least
// significant first, the high bit of each octet set while more follow.
func (w *BitWriter) WriteUint(v uint64) {
	for v >= 0x80 {
		w.WriteBits(v&0x7f|0x80, 8)
		v >>= 7
	}
	w.WriteBits(v, 8)
}

// WriteByte writes one octet (8 bits, not aligned).
func (w *BitWriter) WriteByte(b byte) error {
	w.WriteBits(uint64(b), 8)
	return nil
}

// Bytes flushes a final partial octet, padded with zero bits, and returns the
// buffer. Writing after Bytes continues after the padding.
func (w *BitWriter) Bytes() []byte {
	if w.nacc > 0 {
		w.buf = append(w.buf, byte(w.acc<<(8-w.nacc)))
		w.acc = 0
		w.nacc = 0
	}
	return w.buf
}

// BitLen reports the number of bits written so far.
func (w *BitWriter) BitLen() int { return len(w.buf)*8 + int(w.nacc) }

// BitReader reads bit-packed EXI items from a byte slice.
type BitReader struct {
	buf []byte
	pos int // bit position
}

// Reset makes r read b from its first bit.
func (r *BitReader) Reset(b []byte) {
	r.buf = b
	r.pos = 0
}

// Pos reports the current bit offset.
func (r *BitReader) Pos() int { return r.pos }

// Remaining reports how many bits are left.
func (r *BitReader) Remaining() int { return len(r.buf)*8 - r.pos }

// ReadBits reads n bits (n ≤ 64) as an unsigned number.
func (r *BitReader) ReadBits(n uint) (uint64, error) {
	if n == 0 {
		return 0, nil
	}
	if int(n) > r.Remaining() {
		return 0, r.errAt(ErrTruncated)
	}
	byteIdx := r.pos >> 3
	off := uint(r.pos & 7)
	if n <= 56 && byteIdx+8 <= len(r.buf) {
		// Fast path: one unaligned 64-bit load.
		w := binary.BigEndian.Uint64(r.buf[byteIdx:])
		r.pos += int(n)
		return (w << off) >> (64 - n), nil
	}
	var v uint64
	for n > 0 {
		byteIdx := r.pos >> 3
		off := uint(r.pos & 7)
		avail := 8 - off
		take := avail
		if take > n {
			take = n
		}
		b := uint64(r.buf[byteIdx]>>(avail-take)) & (1<<take - 1)
		v = v<<take | b
		n -= take
		r.pos += int(take)
	}
	return v, nil
}

// ReadBit reads one bit.
func (r *BitReader) ReadBit() (bool, error) {
	v, err := r.ReadBits(1)
	return v == 1, err
}

// ReadUint reads an EXI Unsigned Integer that must fit in 64 bits.
func (r *BitReader) ReadUint() (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		o, err := r.ReadBits(8)
		if err != nil {
			return 0, err
		}
		g := o & 0x7f
		if shift >= 64 || (shift > 0 && bits.Len64(g) > int(64-shift)) {
			return 0, r.errAt(ErrOverflow)
		}
		v |= g << shift
		if o&0x80 == 0 {
			return v, nil
		}
	}
}

// errAt wraps err with the current position.
func (r *BitReader) errAt(err error) error {
	return &DecodeError{BitOffset: r.pos, Err: err}
}
