module github.com/v2gstack/iso15118

go 1.26.8

require (
	github.com/cloudflare/circl v1.6.5
	golang.org/x/crypto v0.59.0
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.50.0
)
