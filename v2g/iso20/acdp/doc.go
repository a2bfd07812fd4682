// Package acdp holds the EXI grammars of the ISO 15118-20 automated connection device messages (urn:iso:std:iso:15118:-20:ACDP).
//
// The grammars are generated from the official schema iso15118-20/V2G_CI_ACDP.xsd by exigen
// and committed; go generate reproduces them exactly.
package acdp

//go:generate go run github.com/v2gstack/iso15118/exi/cmd/exigen -set ACDP -schema iso15118-20/V2G_CI_ACDP.xsd -pkg acdp
