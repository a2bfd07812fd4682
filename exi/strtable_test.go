package exi_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/apphand"
)

// sapReq is a supportedAppProtocolReq whose first namespace repeats in the
// third entry and nowhere else; no other value is a string.
const sapReq = `<app:supportedAppProtocolReq xmlns:app="urn:iso:15118:2:2010:AppProtocol">
<AppProtocol><ProtocolNamespace>urn:a</ProtocolNamespace><VersionNumberMajor>1</VersionNumberMajor><VersionNumberMinor>0</VersionNumberMinor><SchemaID>1</SchemaID><Priority>1</Priority></AppProtocol>
<AppProtocol><ProtocolNamespace>urn:b</ProtocolNamespace><VersionNumberMajor>1</VersionNumberMajor><VersionNumberMinor>0</VersionNumberMinor><SchemaID>2</SchemaID><Priority>2</Priority></AppProtocol>
<AppProtocol><ProtocolNamespace>urn:a</ProtocolNamespace><VersionNumberMajor>2</VersionNumberMajor><VersionNumberMinor>0</VersionNumberMinor><SchemaID>3</SchemaID><Priority>3</Priority></AppProtocol>
</app:supportedAppProtocolReq>`

func encodeSAP(t *testing.T, opt exi.Options) []byte {
	t.Helper()
	n, err := exi.ParseXML(strings.NewReader(sapReq))
	if err != nil {
		t.Fatal(err)
	}
	b, err := apphand.Schema().EncodeDocument(nil, n, opt)
	if err != nil {
		t.Fatal(err)
	}
	back, err := apphand.Schema().DecodeDocument(b, opt)
	if err != nil {
		t.Fatalf("decode at %+v: %v", opt, err)
	}
	if ok, why := exi.Equal(n, back); !ok {
		t.Fatalf("round trip at %+v: %s", opt, why)
	}
	return b
}

func TestValuePartitionCapacity(t *testing.T) {
	iso := encodeSAP(t, exi.Options{})
	unbounded := encodeSAP(t, exi.UnboundedStringTable())
	if bytes.Equal(iso, unbounded) {
		t.Fatal("the repeated namespace should be a value hit with an unbounded table")
	}
	// One entry: "urn:b" evicts "urn:a" before it repeats, so every value is
	// a literal, exactly as at capacity 0.
	if got := encodeSAP(t, exi.Options{ValuePartitionCapacity: 1, ValueMaxLength: exi.Unbounded}); !bytes.Equal(got, iso) {
		t.Errorf("capacity 1: got % x, want the capacity-0 stream % x", got, iso)
	}
	// Two entries keep "urn:a": the same stream as unbounded.
	if got := encodeSAP(t, exi.Options{ValuePartitionCapacity: 2, ValueMaxLength: exi.Unbounded}); !bytes.Equal(got, unbounded) {
		t.Errorf("capacity 2: got % x, want the unbounded stream % x", got, unbounded)
	}
	// valueMaxLength 4 keeps the five-character value out of the table.
	if got := encodeSAP(t, exi.Options{ValuePartitionCapacity: exi.Unbounded, ValueMaxLength: 4}); !bytes.Equal(got, iso) {
		t.Errorf("valueMaxLength 4: got % x, want the capacity-0 stream", got)
	}
	if got := encodeSAP(t, exi.Options{ValuePartitionCapacity: exi.Unbounded, ValueMaxLength: 5}); !bytes.Equal(got, unbounded) {
		t.Errorf("valueMaxLength 5: got % x, want the unbounded stream", got)
	}
	// A decoder whose table evicted the entry, or has none, refuses the hit.
	for _, opt := range []exi.Options{{}, {ValuePartitionCapacity: 1, ValueMaxLength: exi.Unbounded}} {
		_, err := apphand.Schema().DecodeDocument(unbounded, opt)
		if !errors.Is(err, exi.ErrStringTableRef) {
			t.Errorf("decode of a stream with a hit at %+v: err = %v, want ErrStringTableRef", opt, err)
		}
		var de *exi.DecodeError
		if !errors.As(err, &de) || de.BitOffset <= 8 {
			t.Errorf("want a *DecodeError with a bit offset past the header, got %v", err)
		}
	}
}
