// Package exi is a schema-informed EXI 1.0 (Efficient XML Interchange)
// codec with the options ISO 15118-20, ISO 15118-2 and DIN 70121 use:
// bit-packed, strict=false, default fidelity options, no header options,
// no cookie — every stream starts with the byte 0x80.
//
// # Grammars as data
//
// A [Schema] holds the normalised EXI grammars of one schema set
// (document and fragment grammars, one grammar per type, datatypes from
// the facets, the string-table seeds). The generator exigen derives it
// from the official XSDs and the generated packages under v2g/ hand it out,
// for example iso20.Schema() for the -20 CommonMessages set. One
// interpreter in this package codes every set through the Node API. The
// generated typed API resolves the event codes of its types at generation
// time and drives the [Encoder] and [Decoder] directly ([Encoder.Code],
// [Decoder.Code] and the Put and ...Element methods), entering the
// interpreter only for wildcard and mixed content.
//
// # String table
//
// The zero [Options] value is the ISO 15118 profile: valuePartitionCapacity
// 0 ([V2G20-099]), so every string value is coded as a literal and a
// decoder refuses a string-table reference with [ErrStringTableRef]. The
// full EXI string table (local and global value partitions, capacity with
// wrap-around eviction, valueMaxLength) is available through
// [Options.ValuePartitionCapacity] and [Options.ValueMaxLength] for streams
// from encoders that ignore the profile; [UnboundedStringTable] gives EXI's
// own defaults.
//
// # Infoset API
//
// [Schema.EncodeDocument], [Schema.DecodeDocument] and the fragment
// variants work on a namespace-aware element tree ([Node]) that
// [ParseXML] and [Node.WriteXML] convert from and to XML.
//
// # Errors
//
// Decoding errors are *[DecodeError] values carrying the bit offset and
// wrapping a sentinel ([ErrTruncated], [ErrEventCode], [ErrTooLong], …)
// that callers match with errors.Is. Lengths are checked against schema
// facets and the remaining input before anything is allocated.
package exi
