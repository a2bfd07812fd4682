// Package acderiec holds the EXI grammars of the ISO 15118-20 Amendment 1 AC messages with IEC distributed-energy-resource control (urn:iso:std:iso:15118:-20:AC-DER-IEC). An AC message codes differently here than in package ac: pick the set from the negotiated namespace.
//
// The grammars are generated from the official schema iso15118-20/V2G_CI_AC_DER_IEC.xsd by exigen
// and committed; go generate reproduces them exactly.
package acderiec

//go:generate go run github.com/v2gstack/iso15118/exi/cmd/exigen -set AC_DER_IEC -schema iso15118-20/V2G_CI_AC_DER_IEC.xsd -pkg acderiec
