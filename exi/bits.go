package exi

import (
	"encoding/binary"
	"math/bits"
)

// BitWriter appends bit-packed EXI items to a byte slice, most significant
// bit first. The zero value is ready to use; Reset gives it a caller's buffer.
type BitWriter struct {
	buf  []byte
	acc  uint64 // pending bits, left-aligned (bit 63 is the first)
	nacc uint   // number of pending bits (≤ 64)
}

// Reset makes w append to dst[:len(dst)].
func (w *BitWriter) Reset(dst []byte) {
	w.buf = dst
	w.acc = 0
	w.nacc = 0
}

// flush moves the whole octets of the accumulator to the buffer, leaving
// fewer than 8 pending bits.
func (w *BitWriter) flush() {
	k := w.nacc >> 3
	n := len(w.buf)
	w.buf = binary.BigEndian.AppendUint64(w.buf, w.acc)[:n+int(k)]
	w.acc <<= k * 8
	w.nacc &= 7
}

// WriteBits writes the n low bits of v (n ≤ 64), most significant first.
func (w *BitWriter) WriteBits(v uint64, n uint) {
	if w.nacc+n > 64 {
		w.writeBitsSlow(v, n)
		return
	}
	// n == 0 adds nothing: v<<64 is 0.
	w.acc |= v << (64 - n) >> w.nacc
	w.nacc += n
}

func (w *BitWriter) writeBitsSlow(v uint64, n uint) {
	if n > 56 {
		w.WriteBits(v>>32, n-32)
		w.WriteBits(v, 32)
		return
	}
	w.flush()
	w.acc |= (v << (64 - n)) >> w.nacc
	w.nacc += n
}

// writeOctets writes the octets of b, eight bits each.
func (w *BitWriter) writeOctets(b []byte) {
	if w.nacc&7 == 0 {
		w.flush()
		w.buf = append(w.buf, b...)
		return
	}
	for len(b) >= 4 {
		w.WriteBits(uint64(binary.BigEndian.Uint32(b)), 32)
		b = b[4:]
	}
	for _, x := range b {
		w.WriteBits(uint64(x), 8)
	}
}

// WriteBit writes one bit.
func (w *BitWriter) WriteBit(b bool) {
	var v uint64
	if b {
		v = 1
	}
	w.WriteBits(v, 1)
}

// WriteUint writes an EXI Unsigned Integer (§7.1.6): 7-bit groups, least
// significant first, the high bit of each octet set while more follow.
func (w *BitWriter) WriteUint(v uint64) {
	if v < 0x80 {
		w.WriteBits(v, 8)
		return
	}
	if v < 1<<49 {
		// Up to seven octets in one write.
		var word uint64
		n := uint(0)
		for v >= 0x80 {
			word = word<<8 | v&0x7f | 0x80
			v >>= 7
			n += 8
		}
		w.WriteBits(word<<8|v, n+8)
		return
	}
	for v >= 0x80 {
		w.WriteBits(v&0x7f|0x80, 8)
		v >>= 7
	}
	w.WriteBits(v, 8)
}

// Bytes flushes a final partial octet, padded with zero bits, and returns the
// buffer. Writing after Bytes continues after the padding.
func (w *BitWriter) Bytes() []byte {
	if w.nacc > 0 {
		w.nacc = (w.nacc + 7) &^ 7
		w.flush()
		w.acc = 0
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
	pos := r.pos
	byteIdx := uint(pos >> 3)
	if n <= 56 && byteIdx+8 <= uint(len(r.buf)) {
		// Fast path: one unaligned 64-bit load (n == 0 reads nothing).
		w := binary.BigEndian.Uint64(r.buf[byteIdx:])
		r.pos = pos + int(n)
		return (w << uint(pos&7)) >> (64 - n), nil
	}
	return r.readBitsSlow(n)
}

func (r *BitReader) readBitsSlow(n uint) (uint64, error) {
	if n == 0 {
		return 0, nil
	}
	if int(n) > r.Remaining() {
		return 0, r.errAt(ErrTruncated)
	}
	if n <= 56 {
		// Fewer than eight octets left.
		w := r.tail()
		v := (w << uint(r.pos&7)) >> (64 - n)
		r.pos += int(n)
		return v, nil
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

// peek returns the next n bits (1 ≤ n ≤ 56) without consuming them, and
// false when fewer remain.
func (r *BitReader) peek(n uint) (uint64, bool) {
	pos := r.pos
	if i := uint(pos >> 3); i+8 <= uint(len(r.buf)) {
		return binary.BigEndian.Uint64(r.buf[i:]) << uint(pos&7) >> (64 - n), true
	}
	if int(n) > r.Remaining() {
		return 0, false
	}
	return r.tail() << uint(pos&7) >> (64 - n), true
}

// tail returns the octets from the current one to the end of the input,
// fewer than eight, left-aligned in a word and padded with zero bits.
func (r *BitReader) tail() uint64 {
	i, l := uint(r.pos>>3), uint(len(r.buf))
	if l >= 8 {
		// The last eight octets, shifted past those before position.
		return binary.BigEndian.Uint64(r.buf[l-8:]) << (8 * (i + 8 - l))
	}
	var w uint64
	for j := i; j < l; j++ {
		w |= uint64(r.buf[j]) << (56 - 8*(j-i))
	}
	return w
}

// ReadBit reads one bit.
func (r *BitReader) ReadBit() (bool, error) {
	v, err := r.ReadBits(1)
	return v == 1, err
}

// ReadUint reads an EXI Unsigned Integer that must fit in 64 bits.
func (r *BitReader) ReadUint() (uint64, error) {
	byteIdx := uint(r.pos >> 3)
	var w uint64
	lim := uint(7)
	if byteIdx+8 <= uint(len(r.buf)) {
		w = binary.BigEndian.Uint64(r.buf[byteIdx:])
	} else if rem := r.Remaining(); rem >= 8 {
		w = r.tail()
		lim = min(uint(rem/8), 7)
	} else {
		lim = 0
	}
	if lim > 0 {
		// Fast path: up to seven octets from one word.
		w <<= uint(r.pos & 7)
		var v uint64
		for i := uint(0); i < lim; i++ {
			o := w >> 56
			w <<= 8
			v |= (o & 0x7f) << (7 * i)
			if o&0x80 == 0 {
				r.pos += int(8 * (i + 1))
				return v, nil
			}
		}
	}
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
