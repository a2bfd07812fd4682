// Package ac holds the EXI grammars of the ISO 15118-20 AC messages (urn:iso:std:iso:15118:-20:AC).
//
// The grammars are generated from the official schema iso15118-20/V2G_CI_AC.xsd by exigen
// and committed; go generate reproduces them exactly.
package ac

//go:generate go run github.com/v2gstack/iso15118/exi/cmd/exigen -set AC -schema iso15118-20/V2G_CI_AC.xsd -pkg ac
