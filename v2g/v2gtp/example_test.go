package v2gtp_test

import (
	"bytes"
	"fmt"

	"github.com/v2gstack/iso15118/v2g/v2gtp"
)

func Example() {
	var wire []byte
	wire = v2gtp.AppendFrame(wire, v2gtp.SAP, []byte{0x80, 0x00})
	wire = v2gtp.AppendFrame(wire, v2gtp.Mainstream, []byte{0x80, 0x8c})

	r := v2gtp.NewReader(bytes.NewReader(wire), 0)
	for {
		f, err := r.ReadFrame()
		if err != nil {
			break
		}
		fmt.Printf("%v % x\n", f.Type, f.Payload)
	}
	// Output:
	// SAP 80 00
	// Mainstream 80 8c
}
