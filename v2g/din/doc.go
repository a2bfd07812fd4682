// Package din holds the EXI grammars of the DIN SPEC 70121 messages (V2G_Message in urn:din:70121:2012:MsgDef).
//
// The grammars are generated from the official schema din70121/V2G_CI_MsgDef.xsd by exigen
// and committed; go generate reproduces them exactly.
package din

//go:generate go run github.com/v2gstack/iso15118/exi/cmd/exigen -set din70121 -schema din70121/V2G_CI_MsgDef.xsd -pkg din
