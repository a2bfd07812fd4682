package exi

import (
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

func bitsFor(n int) uint { // ⌈log2 n⌉ for n ≥ 1
	if n <= 1 {
		return 0
	}
	return uint(bits.Len(uint(n - 1)))
}

// writeString writes a String (§7.1.10) of known character count with the
// given length offset (the string table's +2 for value misses).
func (w *BitWriter) writeChars(s string, nchars int, offset uint64) {
	w.WriteUint(uint64(nchars) + offset)
	for _, r := range s {
		w.WriteUint(uint64(r))
	}
}

// WriteStringLiteral writes s as a String with length offset 0 (§7.1.10).
func (w *BitWriter) WriteStringLiteral(s string) {
	w.writeChars(s, utf8.RuneCountInString(s), 0)
}

// readChars reads n code points.
func (r *BitReader) readChars(n uint64, maxLen int32) (string, error) {
	if maxLen >= 0 && n > uint64(maxLen) {
		return "", r.errAt(ErrTooLong)
	}
	if n > uint64(r.Remaining()/8) {
		return "", r.errAt(ErrTruncated)
	}
	var b strings.Builder
	b.Grow(int(n))
	for i := uint64(0); i < n; i++ {
		c, err := r.ReadUint()
		if err != nil {
			return "", err
		}
		if c > utf8.MaxRune || (c >= 0xD800 && c <= 0xDFFF) {
			return "", r.errAt(ErrValue)
		}
		b.WriteRune(rune(c))
	}
	return b.String(), nil
}

// ReadStringLiteral reads a String with length offset 0.
func (r *BitReader) ReadStringLiteral(maxLen int32) (string, error) {
	n, err := r.ReadUint()
	if err != nil {
		return "", err
	}
	return r.readChars(n, maxLen)
}

// writeBigUint writes a non-negative big integer as an Unsigned Integer.
func (w *BitWriter) writeBigUint(v *big.Int) {
	if v.IsUint64() {
		w.WriteUint(v.Uint64())
		return
	}
	x := new(big.Int).Set(v)
	m := big.NewInt(0x7f)
	g := new(big.Int)
	for {
		g.And(x, m)
		x.Rsh(x, 7)
		if x.Sign() == 0 {
			w.WriteBits(g.Uint64(), 8)
			return
		}
		w.WriteBits(g.Uint64()|0x80, 8)
	}
}

// readBigUint reads an Unsigned Integer of any size, bounded by the input.
func (r *BitReader) readBigUint() (*big.Int, error) {
	var groups []uint64
	for {
		o, err := r.ReadBits(8)
		if err != nil {
			return nil, err
		}
		groups = append(groups, o&0x7f)
		if o&0x80 == 0 {
			break
		}
	}
	if len(groups) <= 9 { // 63 bits
		var u uint64
		for i := len(groups) - 1; i >= 0; i-- {
			u = u<<7 | groups[i]
		}
		return new(big.Int).SetUint64(u), nil
	}
	// Pack the groups into little-endian octets, then reverse: linear in
	// the length, where shifting a big.Int per group is quadratic.
	le := make([]byte, (7*len(groups)+7)/8)
	for i, g := range groups {
		off := 7 * i
		le[off/8] |= byte(g << (off % 8))
		if off%8 > 1 {
			le[off/8+1] |= byte(g >> (8 - off%8))
		}
	}
	for i, j := 0, len(le)-1; i < j; i, j = i+1, j-1 {
		le[i], le[j] = le[j], le[i]
	}
	return new(big.Int).SetBytes(le), nil
}

// inRange reports whether v lies within the bounds of dt.
func inRange(dt *Datatype, v *big.Int) bool {
	if dt.HasMin && v.Cmp(big.NewInt(dt.Min)) < 0 {
		return false
	}
	if dt.HasMax && v.Cmp(big.NewInt(dt.Max)) > 0 {
		return false
	}
	if dt.HasMaxUint && v.Sign() > 0 && (!v.IsUint64() || v.Uint64() > dt.MaxUint) {
		return false
	}
	return true
}

func parseBool(s string) (bool, bool) {
	switch strings.TrimSpace(s) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

func parseInteger(s string) (*big.Int, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "+") {
		s = s[1:]
		if strings.HasPrefix(s, "-") {
			return nil, false
		}
	}
	if s == "" {
		return nil, false
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return big.NewInt(v), true
	}
	v, ok := new(big.Int).SetString(s, 10)
	return v, ok
}

func parseBinary(kind TypeKind, s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	if kind == THexBinary {
		b, err := hex.DecodeString(s)
		return b, err == nil
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil
}

func formatBinary(kind TypeKind, b []byte) string {
	if kind == THexBinary {
		return strings.ToUpper(hex.EncodeToString(b))
	}
	return base64.StdEncoding.EncodeToString(b)
}
