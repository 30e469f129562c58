package pipeline

import (
	"context"

	"github.com/sony/gobreaker/v2"
	"go.uber.org/zap"
)

// guardedSink puts a circuit breaker in front of a sink's Flush. While the
// breaker is open, Flush fails fast and the engine keeps fetching paused.
type guardedSink struct {
	Sink
	breaker *gobreaker.CircuitBreaker[struct{}]
}

func (e *Engine) guard(s Sink) *guardedSink {
	return &guardedSink{Sink: s, breaker: e.newBreaker(s.Name())}
}

func (e *Engine) newBreaker(name string) *gobreaker.CircuitBreaker[struct{}] {
	log := e.log
	threshold := e.cfg.Breaker.ConsecutiveFailures
	return gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        name,
		MaxRequests: 1,
		Timeout:     e.cfg.Breaker.OpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= threshold },
		OnStateChange: func(name string, from, to gobreaker.State) {
			log.Info("circuit breaker", zap.String(logKeySink, name), zap.String("from", from.String()), zap.String(logKeyState, to.String()))
		},
	})
}

func (g *guardedSink) flush(ctx context.Context) error {
	_, err := g.breaker.Execute(func() (struct{}, error) { return struct{}{}, g.Flush(ctx) })
	return err
}

// BreakerState reports the state of the named sink's breaker ("closed",
// "half-open", "open"), or "" if there is no such sink.
func (e *Engine) BreakerState(sink string) string {
	for _, s := range e.sinks {
		if s.Name() == sink {
			return s.breaker.State().String()
		}
	}
	return ""
}

// deadLetterSink adapts a DeadLetterWriter to the Sink shape so that it is
// flushed and guarded like any sink. Records never reach it through Write.
type deadLetterSink struct{ DeadLetterWriter }

func (deadLetterSink) Write(context.Context, *Record) error { return nil }
func (deadLetterSink) Close(context.Context) error          { return nil }
