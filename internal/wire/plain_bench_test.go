package wire

import "testing"

// BenchmarkDecodePlain measures the hand-written decoders of plain.go on
// the forms servers write: a call request's ctx and an event envelope.
func BenchmarkDecodePlain(b *testing.B) {
	ctx := []byte(`{"fn_id":"0191c1b2-7a4e-7c3e-9d1e-3f4a5b6c7d8e","run_id":"01J8ZK8Q0V5N3XH7Q2C4R6T8W0","env":"dev","step_id":"step","attempt":0,"max_attempts":4,"stack":{"stack":["a94a8fe5ccb19ba61c4c0873d391e987982fbbd3","b94a8fe5ccb19ba61c4c0873d391e987982fbbd3"],"current":2},"disable_immediate_execution":false,"use_api":false,"qi_id":"q"}`)
	event := []byte(`{"id":"01J8ZK8Q0V5N3XH7Q2C4R6T8W0","name":"test/event","data":{"x":1},"user":{},"ts":1700000000000,"v":"2024-01-01.1"}`)
	b.Run("ctx", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(ctx)))
		for i := 0; i < b.N; i++ {
			var c CallCtx
			if err := plainCtx(ctx, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("event", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(event)))
		for i := 0; i < b.N; i++ {
			var e Event
			if !DecodePlainEvent(event, &e) {
				b.Fatal("not plain")
			}
		}
	})
}
