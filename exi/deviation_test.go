package exi_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/iso20"
)

// Undeclared items are coded as schema deviations ([V2G20-2310/2311]) and
// decode back to the same infoset.
func TestSchemaDeviations(t *testing.T) {
	const head = `<SessionSetupReq xmlns="urn:iso:std:iso:15118:-20:CommonMessages" xmlns:ct="urn:iso:std:iso:15118:-20:CommonTypes" xmlns:x="urn:example:x">`
	valid := head + `<ct:Header><ct:SessionID>0000000000000000</ct:SessionID><ct:TimeStamp>1700000000</ct:TimeStamp></ct:Header><EVCCID>EVCCID1234567</EVCCID></SessionSetupReq>`
	cases := map[string]string{
		"unknown attribute": head + `<ct:Header><ct:SessionID>0000000000000000</ct:SessionID><ct:TimeStamp>1700000000</ct:TimeStamp></ct:Header><EVCCID x:note="hello">EVCCID1234567</EVCCID></SessionSetupReq>`,
		"unknown element":   head + `<ct:Header><ct:SessionID>0000000000000000</ct:SessionID><ct:TimeStamp>1700000000</ct:TimeStamp></ct:Header><EVCCID>EVCCID1234567</EVCCID><x:Extra a="1"><x:Inner>text</x:Inner></x:Extra></SessionSetupReq>`,
		"untyped value":     head + `<ct:Header><ct:SessionID>0000000000000000</ct:SessionID><ct:TimeStamp>soon</ct:TimeStamp></ct:Header><EVCCID>EVCCID1234567</EVCCID></SessionSetupReq>`,
		"undeclared root":   `<x:Other xmlns:x="urn:example:x" a="1"><x:Inner>text</x:Inner></x:Other>`,
		"stray text":        head + `<ct:Header><ct:SessionID>0000000000000000</ct:SessionID><ct:TimeStamp>1700000000</ct:TimeStamp></ct:Header>stray<EVCCID>EVCCID1234567</EVCCID></SessionSetupReq>`,
	}
	sc := iso20.Schema()
	vn, _ := exi.ParseXML(strings.NewReader(valid))
	vb, err := sc.EncodeDocument(nil, vn, exi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, x := range cases {
		t.Run(name, func(t *testing.T) {
			n, err := exi.ParseXML(strings.NewReader(x))
			if err != nil {
				t.Fatal(err)
			}
			b, err := sc.EncodeDocument(nil, n, exi.Options{})
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if bytes.Equal(b, vb) {
				t.Fatal("the deviation was not coded")
			}
			back, err := sc.DecodeDocument(b, exi.Options{})
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if ok, why := exi.Equal(n, back); !ok {
				t.Fatalf("round trip differs: %s", why)
			}
		})
	}
}
