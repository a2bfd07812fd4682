package exi

import (
	"errors"
	"fmt"
)

// Sentinel errors. Decoding errors are returned as *DecodeError values that
// wrap one of these, so callers can branch with errors.Is.
var (
	// ErrTruncated reports input that ends inside an item.
	ErrTruncated = errors.New("exi: unexpected end of input")
	// ErrHeader reports an EXI header other than the single byte 0x80.
	ErrHeader = errors.New("exi: unsupported EXI header")
	// ErrEventCode reports an event code that names no production.
	ErrEventCode = errors.New("exi: invalid event code")
	// ErrOverflow reports an integer that does not fit its representation.
	ErrOverflow = errors.New("exi: integer overflow")
	// ErrOutOfRange reports a value outside the range its datatype allows.
	ErrOutOfRange = errors.New("exi: value out of range")
	// ErrTooLong reports a string, binary or list longer than its schema bound.
	ErrTooLong = errors.New("exi: value exceeds its length bound")
	// ErrStringTableRef reports a string-table reference where the table is
	// disabled (valuePartitionCapacity 0, the ISO 15118 profile) or the
	// reference names no entry.
	ErrStringTableRef = errors.New("exi: string table reference not allowed or unknown")
	// ErrDepth reports nesting deeper than the decoder's limit.
	ErrDepth = errors.New("exi: nesting too deep")
	// ErrTrailingData reports non-zero bits after the end of the document.
	ErrTrailingData = errors.New("exi: trailing data after end of document")
	// ErrUnexpected reports an event that the grammar does not allow at that
	// point, while encoding.
	ErrUnexpected = errors.New("exi: event not allowed by the grammar")
	// ErrValue reports a lexical value that its datatype cannot represent.
	ErrValue = errors.New("exi: invalid lexical value")
	// ErrMissing reports, while encoding, a required element or choice
	// branch that is absent, or a list shorter than its minOccurs.
	ErrMissing = errors.New("exi: required element missing")
	// ErrUnsupported reports a construct this codec does not implement.
	ErrUnsupported = errors.New("exi: unsupported construct")
)

// DecodeError describes where and why decoding failed.
type DecodeError struct {
	BitOffset int    // bit position in the stream, header included
	Path      string // element path, when known
	Err       error  // one of the sentinel errors, possibly wrapped
}

func (e *DecodeError) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("%v at bit %d (%s)", e.Err, e.BitOffset, e.Path)
	}
	return fmt.Sprintf("%v at bit %d", e.Err, e.BitOffset)
}

// Unwrap returns the underlying sentinel.
func (e *DecodeError) Unwrap() error { return e.Err }

// EncodeError describes why encoding failed.
type EncodeError struct {
	Path string // element path, when known
	Err  error
}

func (e *EncodeError) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("%v (%s)", e.Err, e.Path)
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *EncodeError) Unwrap() error { return e.Err }
