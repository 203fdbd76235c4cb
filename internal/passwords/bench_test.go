package passwords

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// Run with: go test -run '^$' -bench . -benchmem ./internal/passwords/

func BenchmarkHash(b *testing.B) {
	h := NewHasher(DefaultParams(), 2*runtime.NumCPU(), 10*time.Second)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, vectorPassword); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h := NewHasher(DefaultParams(), 2*runtime.NumCPU(), 10*time.Second)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ok, _, err := h.Verify(ctx, refArgon2idCurrent, vectorPassword, true)
		if err != nil || !ok {
			b.Fatalf("Verify() = (%v, %v), want (true, nil)", ok, err)
		}
	}
}

func BenchmarkVerifyDummy(b *testing.B) {
	h := NewHasher(DefaultParams(), 2*runtime.NumCPU(), 10*time.Second)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := h.VerifyDummy(ctx, vectorPassword); err != nil {
			b.Fatal(err)
		}
	}
}
