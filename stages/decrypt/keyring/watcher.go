package keyring

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/phishx/phishx/stages/decrypt/fernet"
)

// Log field keys.
const (
	logKeyFile     = "key_file"
	logKeyRingID   = "ring_id"
	logKeyVersions = "versions"
	logKeyActive   = "active_version"
)

// WatcherConfig configures a Watcher.
type WatcherConfig struct {
	// Path is the key file.
	Path string
	// Interval between polls of the file.
	Interval time.Duration
	// Load configures the Loader the watcher parses the file with.
	Load LoadConfig
}

// DefaultWatcherConfig polls path every 10 s with DefaultLoadConfig.
func DefaultWatcherConfig(path string) WatcherConfig {
	return WatcherConfig{Path: path, Interval: 10 * time.Second, Load: DefaultLoadConfig()}
}

// Validate names the first bad field.
func (c WatcherConfig) Validate() error {
	switch {
	case c.Path == "":
		return errors.New("keyring: watcher config: Path must be set")
	case c.Interval < 100*time.Millisecond:
		return errors.New("keyring: watcher config: Interval must be >= 100ms")
	}
	return c.Load.Validate()
}

// Watcher keeps a ring loaded from a key file current. Ring, ActiveKey and
// Key are safe to call from any goroutine at any time, also while Run is
// swapping the ring. Run and Check must not be called concurrently with
// each other.
type Watcher struct {
	cfg    WatcherConfig
	loader *Loader
	log    *zap.Logger
	holder Holder

	// Last file state seen by Check; only Run/Check touch these.
	modTime time.Time
	size    int64
	sum     [sha256.Size]byte
}

var _ Source = (*Watcher)(nil)

// NewWatcher loads the key file once (failing if it cannot) and returns a
// watcher ready to Run.
func NewWatcher(cfg WatcherConfig, log *zap.Logger) (*Watcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	loader, err := NewLoader(cfg.Load)
	if err != nil {
		return nil, err
	}
	w := &Watcher{cfg: cfg, loader: loader, log: log.Named("keyring")}
	fi, data, err := w.read()
	if err != nil {
		return nil, err
	}
	r, err := loader.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("keyring: key file %s: %w", cfg.Path, err)
	}
	w.holder.Store(r)
	w.modTime, w.size, w.sum = fi.ModTime(), fi.Size(), sha256.Sum256(data)
	return w, nil
}

// Ring returns the current ring.
func (w *Watcher) Ring() *Ring { return w.holder.Ring() }

// ActiveKey returns the current ring's active version and key.
func (w *Watcher) ActiveKey() (int32, *fernet.Key) { return w.holder.ActiveKey() }

// Key returns version v of the current ring.
func (w *Watcher) Key(v int32) (*fernet.Key, error) { return w.holder.Key(v) }

// Run polls the key file every Interval until ctx is cancelled, then
// returns nil. A file that fails to load is logged and the current ring is
// kept; the watcher tries again when the file changes.
func (w *Watcher) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		changed, err := w.Check()
		switch {
		case err != nil:
			w.log.Warn("key file not reloaded; keeping the current ring",
				zap.String(logKeyFile, w.cfg.Path), zap.Error(err))
		case changed:
			r := w.Ring()
			w.log.Info("key ring reloaded",
				zap.String(logKeyFile, w.cfg.Path), zap.String(logKeyRingID, r.ID()),
				zap.Int32s(logKeyVersions, r.Versions()), zap.Int32(logKeyActive, r.Active()))
		}
	}
}

// Check polls the file once: if its mtime or size changed and its contents
// hash differently, it loads it and swaps the ring. It reports whether the
// ring changed. After a load error the bad contents are remembered, so the
// same error is reported once, not at every poll.
func (w *Watcher) Check() (bool, error) {
	fi, err := os.Stat(w.cfg.Path)
	if err != nil {
		return false, fmt.Errorf("keyring: stat key file: %w", err)
	}
	if fi.ModTime().Equal(w.modTime) && fi.Size() == w.size {
		return false, nil
	}
	fi, data, err := w.read()
	if err != nil {
		return false, err
	}
	sum := sha256.Sum256(data)
	w.modTime, w.size = fi.ModTime(), fi.Size()
	if sum == w.sum {
		return false, nil
	}
	w.sum = sum
	r, err := w.loader.Parse(data)
	clear(data)
	if err != nil {
		return false, fmt.Errorf("keyring: key file %s: %w", w.cfg.Path, err)
	}
	w.holder.Store(r)
	return true, nil
}

func (w *Watcher) read() (os.FileInfo, []byte, error) {
	fi, err := os.Stat(w.cfg.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("keyring: stat key file: %w", err)
	}
	data, err := readLimited(w.cfg.Path, w.cfg.Load.MaxFileSize)
	if err != nil {
		return nil, nil, err
	}
	return fi, data, nil
}
