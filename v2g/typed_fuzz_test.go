package v2g_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/internal/testvec"
	"github.com/v2gstack/iso15118/v2g"
	"github.com/v2gstack/iso15118/v2g/iso20"
	"github.com/v2gstack/iso15118/v2g/iso20/dc"
)

// fuzzTyped checks the typed decoder of a set on arbitrary input: it must
// not panic, what it accepts the Node decoder accepts too, and its value
// re-encodes to a stream that both decoders accept and that decodes to the
// same value (the same re-encoding). The typed decoder does not check that
// required content is present: a value with a required child element
// missing holds zero values for it, or the encoder refuses it with
// ErrMissing (a required choice), so the first re-encoding need not equal
// the Node encoder's.
func fuzzTyped(f *testing.F, set string, ts typedSet) {
	m := testvec.Load(f)
	for i := range m.Vectors {
		v := &m.Vectors[i]
		if v.Set != set || i%4 != 0 {
			continue
		}
		b, err := v.ReadEXI()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, v.Mode == "fragment")
	}
	sc, err := v2g.SchemaSet(set)
	if err != nil {
		f.Fatal(err)
	}
	var opt exi.Options
	// decode reports false when the typed decoder refuses b; any other
	// failure is an error.
	decode := func(b []byte, frag bool) ([]byte, bool, error) {
		var out []byte
		var nodeErr error
		if frag {
			x, err := ts.frag(b, opt)
			if err != nil {
				return nil, false, nil
			}
			_, nodeErr = sc.DecodeFragment(b, opt)
			out, err = x.AppendEXIFragment(nil, opt)
			if err != nil {
				return nil, true, fmt.Errorf("typed re-encode: %w", err)
			}
		} else {
			x, err := ts.doc(b, opt)
			if err != nil {
				return nil, false, nil
			}
			_, nodeErr = sc.DecodeDocument(b, opt)
			out, err = x.AppendEXI(nil, opt)
			if err != nil {
				return nil, true, fmt.Errorf("typed re-encode: %w", err)
			}
		}
		if nodeErr != nil {
			return nil, true, fmt.Errorf("typed decoder accepts, Node decoder: %w", nodeErr)
		}
		return out, true, nil
	}
	f.Fuzz(func(t *testing.T, b []byte, frag bool) {
		typed, ok, err := decode(b, frag)
		if errors.Is(err, exi.ErrMissing) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
		again, ok, err := decode(typed, frag)
		if err != nil || !ok {
			t.Fatalf("re-encoding %x: refused (%v)", typed, err)
		}
		if !bytes.Equal(again, typed) {
			t.Fatalf("re-encoding %x re-encodes to %x", typed, again)
		}
	})
}

func FuzzTypedCommonMessages(f *testing.F) { fuzzTyped(f, iso20.SetName, typedSets[iso20.SetName]) }

func FuzzTypedDC(f *testing.F) { fuzzTyped(f, dc.SetName, typedSets[dc.SetName]) }
