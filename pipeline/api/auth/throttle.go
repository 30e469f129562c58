package auth

import (
	"errors"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ThrottleConfig configures a Throttle.
type ThrottleConfig struct {
	// Every is the refill interval of one attempt; Burst the bucket size.
	Every time.Duration `yaml:"every"`
	Burst int           `yaml:"burst"`
	// MaxKeys bounds memory: when full, idle buckets are dropped first,
	// then the least recently used.
	MaxKeys int `yaml:"max_keys"`
}

// Validate names the first bad field.
func (c ThrottleConfig) Validate() error {
	switch {
	case c.Every <= 0:
		return errors.New("auth: throttle.every must be positive")
	case c.Burst < 1:
		return errors.New("auth: throttle.burst must be at least 1")
	case c.MaxKeys < 1:
		return errors.New("auth: throttle.max_keys must be at least 1")
	}
	return nil
}

// Throttle is a token bucket per key (an account or a client address) with
// a bounded number of keys.
type Throttle struct {
	cfg ThrottleConfig
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// NewThrottle returns a Throttle.
func NewThrottle(cfg ThrottleConfig) (*Throttle, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Throttle{cfg: cfg, now: time.Now, buckets: make(map[string]*bucket)}, nil
}

// Allow takes one attempt from key's bucket and reports whether there was
// one.
func (t *Throttle) Allow(key string) bool {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.buckets[key]
	if !ok {
		if len(t.buckets) >= t.cfg.MaxKeys {
			t.evictLocked(now)
		}
		b = &bucket{lim: rate.NewLimiter(rate.Every(t.cfg.Every), t.cfg.Burst)}
		t.buckets[key] = b
	}
	b.last = now
	return b.lim.AllowN(now, 1)
}

// Len returns the number of keys held.
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.buckets)
}

// evictLocked drops every bucket idle long enough to be full again (it
// would allow a full burst anyway), and if none, the least recently used.
// It is O(keys) but runs only when the map is full.
func (t *Throttle) evictLocked(now time.Time) {
	full := t.cfg.Every * time.Duration(t.cfg.Burst)
	var oldestKey string
	var oldest time.Time
	for k, b := range t.buckets {
		if now.Sub(b.last) >= full {
			delete(t.buckets, k)
			continue
		}
		if oldestKey == "" || b.last.Before(oldest) {
			oldestKey, oldest = k, b.last
		}
	}
	if len(t.buckets) >= t.cfg.MaxKeys && oldestKey != "" {
		delete(t.buckets, oldestKey)
	}
}
