// Package acdersae holds the EXI grammars of the ISO 15118-20 Amendment 1 AC messages with SAE distributed-energy-resource control (urn:iso:std:iso:15118:-20:AC-DER-SAE). An AC message codes differently here than in package ac: pick the set from the negotiated namespace.
//
// The grammars are generated from the official schema iso15118-20/V2G_CI_AC_DER_SAE.xsd by exigen
// and committed; go generate reproduces them exactly.
package acdersae

//go:generate go run github.com/v2gstack/iso15118/exi/cmd/exigen -set AC_DER_SAE -schema iso15118-20/V2G_CI_AC_DER_SAE.xsd -pkg acdersae
