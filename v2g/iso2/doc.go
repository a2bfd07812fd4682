// Package iso2 holds the EXI grammars of the ISO 15118-2 messages (V2G_Message in urn:iso:15118:2:2013:MsgDef).
//
// The grammars are generated from the official schema iso15118-2/V2G_CI_MsgDef.xsd by exigen
// and committed; go generate reproduces them exactly.
package iso2

//go:generate go run github.com/v2gstack/iso15118/exi/cmd/exigen -set iso15118-2 -schema iso15118-2/V2G_CI_MsgDef.xsd -pkg iso2
