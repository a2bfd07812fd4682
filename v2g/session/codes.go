package session

import "github.com/v2gstack/iso15118/v2g/iso20"

// Class is the family of a -20 response code.
type Class uint8

// Response-code classes. The families are contiguous in the schema
// enumeration, so the class is a numeric test.
const (
	ClassOK      Class = iota // OK*: success
	ClassWarning              // WARNING*: this attempt failed, the session goes on
	ClassFailed               // FAILED*: fatal, the session ends
)

// String returns the name of c.
func (c Class) String() string {
	switch c {
	case ClassOK:
		return "OK"
	case ClassWarning:
		return "WARNING"
	}
	return "FAILED"
}

// ClassOf returns the class of a response code.
func ClassOf(c iso20.ResponseCode) Class {
	switch {
	case c <= iso20.ResponseCodeOKPowerToleranceConfirmed:
		return ClassOK
	case c < iso20.ResponseCodeFAILED:
		return ClassWarning
	}
	return ClassFailed
}

// Failed reports whether c is a FAILED* code, after which both sides end
// the session.
func Failed(c iso20.ResponseCode) bool { return ClassOf(c) == ClassFailed }
