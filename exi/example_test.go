package exi_test

import (
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/v2gstack/iso15118/exi"
	"github.com/v2gstack/iso15118/v2g/iso20"
)

// Decode a -20 SessionSetupReq at the ISO 15118 profile and print it as XML.
func ExampleSchema_DecodeDocument() {
	b, _ := hex.DecodeString("808c040000000000000000080e2cfaa06207a2ab21a1a4a21899199a1a9b1b80")
	n, err := iso20.Schema().DecodeDocument(b, exi.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = n.WriteXML(os.Stdout)
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <ns1:SessionSetupReq xmlns:ns1="urn:iso:std:iso:15118:-20:CommonMessages" xmlns:ns2="urn:iso:std:iso:15118:-20:CommonTypes">
	//   <ns2:Header>
	//     <ns2:SessionID>0000000000000000</ns2:SessionID>
	//     <ns2:TimeStamp>1700000000</ns2:TimeStamp>
	//   </ns2:Header>
	//   <ns1:EVCCID>EVCCID1234567</ns1:EVCCID>
	// </ns1:SessionSetupReq>
}

// Encode an XML message into an EXI stream.
func ExampleSchema_EncodeDocument() {
	const msg = `<SessionSetupReq xmlns="urn:iso:std:iso:15118:-20:CommonMessages"
	  xmlns:ct="urn:iso:std:iso:15118:-20:CommonTypes">
	  <ct:Header><ct:SessionID>0000000000000000</ct:SessionID><ct:TimeStamp>1700000000</ct:TimeStamp></ct:Header>
	  <EVCCID>EVCCID1234567</EVCCID>
	</SessionSetupReq>`
	n, err := exi.ParseXML(strings.NewReader(msg))
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := iso20.Schema().EncodeDocument(nil, n, exi.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%x\n", b)
	// Output: 808c040000000000000000080e2cfaa06207a2ab21a1a4a21899199a1a9b1b80
}
