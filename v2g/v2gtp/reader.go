package v2gtp

import (
	"errors"
	"fmt"
	"io"
)

// Frame is one V2GTP message read by a Reader. Payload aliases the Reader's
// buffer and is valid until the next call to ReadFrame.
type Frame struct {
	Type    PayloadType
	Payload []byte
}

// Reader reads V2GTP messages from a byte stream (TCP or TLS), reassembling
// messages split over many reads and splitting several messages in one
// read. It is not safe for concurrent use.
type Reader struct {
	r          io.Reader
	maxPayload int
	buf        []byte // buf[start:end] holds unread bytes
	start, end int
}

// NewReader returns a Reader on r that refuses payloads longer than
// maxPayload bytes (0 means DefaultMaxPayload).
func NewReader(r io.Reader, maxPayload int) *Reader {
	if maxPayload <= 0 {
		maxPayload = DefaultMaxPayload
	}
	return &Reader{r: r, maxPayload: maxPayload}
}

// fill makes at least n unread bytes available, growing the buffer only up
// to n, which the caller has bounded.
func (r *Reader) fill(n int) error {
	if r.end-r.start >= n {
		return nil
	}
	if r.start > 0 {
		copy(r.buf, r.buf[r.start:r.end])
		r.end -= r.start
		r.start = 0
	}
	if len(r.buf) < n {
		size := max(n, 4096)
		size = min(size, HeaderLen+r.maxPayload)
		if size < n {
			size = n
		}
		nb := make([]byte, size)
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for r.end < n {
		m, err := r.r.Read(r.buf[r.end:])
		r.end += m
		if err != nil {
			if r.end >= n {
				return nil
			}
			if errors.Is(err, io.EOF) {
				if r.end == 0 {
					return io.EOF
				}
				return fmt.Errorf("%w: %d of %d bytes", ErrTruncated, r.end, n)
			}
			return err
		}
	}
	return nil
}

// ReadFrame reads the next message. At a clean end of stream between
// messages it returns io.EOF. A message of unknown payload type is consumed
// and returned with an error wrapping ErrUnknownPayloadType; the stream
// stays in sync. ErrVersion and ErrPayloadTooLarge mean framing is lost.
func (r *Reader) ReadFrame() (Frame, error) {
	if err := r.fill(HeaderLen); err != nil {
		return Frame{}, err
	}
	h, herr := ParseHeader(r.buf[r.start:r.start+HeaderLen], r.maxPayload)
	if herr != nil && !errors.Is(herr, ErrUnknownPayloadType) {
		return Frame{}, herr
	}
	// The length is bounded by maxPayload here.
	total := HeaderLen + int(h.Length)
	if err := r.fill(total); err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("%w: header without payload", ErrTruncated)
		}
		return Frame{}, err
	}
	f := Frame{Type: h.Type, Payload: r.buf[r.start+HeaderLen : r.start+total : r.start+total]}
	r.start += total
	if r.start == r.end {
		r.start, r.end = 0, 0
	}
	return f, herr
}
