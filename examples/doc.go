// Package examples holds runnable example programs of the stack:
// examples/secc is a charging station and examples/evcc a vehicle that
// find each other with SDP on a network interface and run an
// ISO 15118-20 DC_BPT session over TLS. The package itself holds only
// their end-to-end test.
package examples
