// Package wire holds the Inngest protocol's wire types, shared by the SDK
// handler, the embedded orchestrator and the test engine: call requests,
// opcodes, memoized step results, the sync payload and introspection bodies.
//
// Every shape here is pinned by golden files so that a mistake cannot hide
// by being made the same way on both sides of the protocol.
package wire
