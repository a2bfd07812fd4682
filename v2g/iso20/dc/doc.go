// Package dc holds the EXI grammars of the ISO 15118-20 DC messages (urn:iso:std:iso:15118:-20:DC).
//
// The grammars are generated from the official schema iso15118-20/V2G_CI_DC.xsd by exigen
// and committed; go generate reproduces them exactly.
package dc

//go:generate go run github.com/v2gstack/iso15118/exi/cmd/exigen -set DC -schema iso15118-20/V2G_CI_DC.xsd -pkg dc
