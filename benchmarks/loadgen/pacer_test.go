package loadgen

import (
	"context"
	"errors"
	"math"
	"testing"

	"golang.org/x/time/rate"
)

func TestNewPacer(t *testing.T) {
	tests := []struct {
		give      float64
		wantErr   bool
		wantChunk int
		wantLimit rate.Limit
	}{
		{give: -1, wantErr: true},
		{give: math.NaN(), wantErr: true},
		{give: math.Inf(-1), wantErr: true},
		{give: 0, wantChunk: 1, wantLimit: rate.Inf},
		{give: math.Inf(1), wantChunk: 1, wantLimit: rate.Inf},
		{give: 10, wantChunk: 1, wantLimit: 10},
		{give: 1000, wantChunk: 10, wantLimit: 1000},
		{give: 250000, wantChunk: 2500, wantLimit: 250000},
	}
	for _, tt := range tests {
		p, err := NewPacer(tt.give)
		if tt.wantErr {
			if !errors.Is(err, ErrInvalidRate) {
				t.Errorf("NewPacer(%v) err %v; want ErrInvalidRate", tt.give, err)
			}
			continue
		}
		if err != nil || p.Chunk() != tt.wantChunk || p.Limit() != tt.wantLimit {
			t.Errorf("NewPacer(%v) = chunk %d limit %v, %v; want %d, %v", tt.give, p.Chunk(), p.Limit(), err, tt.wantChunk, tt.wantLimit)
		}
	}
}

func TestPacerWait(t *testing.T) {
	ctx := context.Background()
	unlimited, _ := NewPacer(0)
	for range 10000 {
		if err := unlimited.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// A full bucket lets one chunk through; the next Wait needs a token
	// that a cancelled context can't wait for.
	p, _ := NewPacer(0.5)
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.Wait(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a cancelled context: %v", err)
	}

	// Within a chunk, Wait does not touch the limiter.
	p, _ = NewPacer(1000)
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	for range p.Chunk() - 1 {
		if err := p.Wait(cctx); err != nil {
			t.Fatalf("Wait inside a granted chunk: %v", err)
		}
	}
}
