// Package connectpb holds the Connect protocol's messages, written in
// durablefn_connect.proto (named so that its registered path is unique)
// and generated into Go by protoc-gen-go.
package connectpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative durablefn_connect.proto
