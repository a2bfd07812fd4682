// Package wpt holds the EXI grammars of the ISO 15118-20 wireless power transfer messages (urn:iso:std:iso:15118:-20:WPT).
//
// The grammars are generated from the official schema iso15118-20/V2G_CI_WPT.xsd by exigen
// and committed; go generate reproduces them exactly.
package wpt

//go:generate go run github.com/v2gstack/iso15118/exi/cmd/exigen -set WPT -schema iso15118-20/V2G_CI_WPT.xsd -pkg wpt
