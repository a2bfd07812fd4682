// Package iso20 holds the EXI grammars of the ISO 15118-20 common messages (urn:iso:std:iso:15118:-20:CommonMessages) with CommonTypes and XMLDSig.
//
// The grammars are generated from the official schema iso15118-20/V2G_CI_CommonMessages.xsd by exigen
// and committed; go generate reproduces them exactly.
package iso20

//go:generate go run github.com/v2gstack/iso15118/exi/cmd/exigen -set CommonMessages -schema iso15118-20/V2G_CI_CommonMessages.xsd -pkg iso20
