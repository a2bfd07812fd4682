module github.com/v2gstack/iso15118

go 1.26.8

require golang.org/x/sys v0.50.0

require golang.org/x/net v0.62.0
