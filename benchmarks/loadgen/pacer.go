package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math"

	"golang.org/x/time/rate"
)

// ErrInvalidRate is returned by NewPacer for a negative or NaN rate.
var ErrInvalidRate = errors.New("loadgen: invalid rate")

// pacerSlices is how many token grants a second of traffic is cut into: at
// high rates one Wait per event would arm a timer every few microseconds,
// so the pacer takes tokens in chunks of rate/pacerSlices.
const pacerSlices = 100

// Pacer paces events to a rate, for `--rate N`. It wraps a
// golang.org/x/time/rate.Limiter and is not safe for concurrent use: give
// each producing goroutine its own, with its share of the rate.
type Pacer struct {
	lim   *rate.Limiter
	chunk int
	left  int
}

// NewPacer returns a Pacer for perSecond events a second; 0 means
// unlimited. Events are let through in chunks of about 10 ms of traffic.
func NewPacer(perSecond float64) (*Pacer, error) {
	if math.IsNaN(perSecond) || perSecond < 0 || math.IsInf(perSecond, -1) {
		return nil, fmt.Errorf("%w: %v events/s", ErrInvalidRate, perSecond)
	}
	if perSecond == 0 || math.IsInf(perSecond, 1) {
		return &Pacer{lim: rate.NewLimiter(rate.Inf, 1), chunk: 1}, nil
	}
	chunk := max(1, int(math.Min(perSecond/pacerSlices, 1<<20)))
	return &Pacer{lim: rate.NewLimiter(rate.Limit(perSecond), chunk), chunk: chunk}, nil
}

// Wait blocks until one more event may go, or ctx is done (then it returns
// ctx's error).
func (p *Pacer) Wait(ctx context.Context) error {
	if p.left > 0 {
		p.left--
		return nil
	}
	if err := p.lim.WaitN(ctx, p.chunk); err != nil {
		return fmt.Errorf("loadgen: pacing: %w", err)
	}
	p.left = p.chunk - 1
	return nil
}

// Chunk is how many events one token grant covers.
func (p *Pacer) Chunk() int { return p.chunk }

// Limit is the pacer's rate in events per second (rate.Inf when unlimited).
func (p *Pacer) Limit() rate.Limit { return p.lim.Limit() }
