package app

import (
	"context"
	"errors"
	"fmt"
	"os"

	"go.uber.org/zap"

	"github.com/phishx/phishx/schemas/seal"
	"github.com/phishx/phishx/stages/decrypt/keyring"
)

// ErrNoKeys means neither a key file nor ENCRYPTION_MASTER_KEY is set.
var ErrNoKeys = errors.New("no encryption keys: set ENCRYPTION_MASTER_KEY or keys.key_file")

// Keys is the field-encryption key ring in use, kept current while running
// when it comes from a key file.
type Keys struct {
	source  seal.KeySource
	watcher *keyring.Watcher // nil when derived from the master key only
}

// OpenKeys loads the ring from cfg.Keys.KeyFile (watched for rotation) or
// derives version 1 from ENCRYPTION_MASTER_KEY.
func OpenKeys(cfg KeysConfig, log *zap.Logger) (*Keys, error) {
	if cfg.KeyFile != "" {
		wc := keyring.DefaultWatcherConfig(cfg.KeyFile)
		wc.Interval = cfg.ReloadInterval
		w, err := keyring.NewWatcher(wc, log.Named("keyring"))
		if err != nil {
			return nil, fmt.Errorf("keys.key_file: %w", err)
		}
		return &Keys{source: w, watcher: w}, nil
	}
	master, err := keyring.MasterKeyFromEnv(os.LookupEnv)
	if errors.Is(err, keyring.ErrNoMasterKey) {
		return nil, ErrNoKeys
	}
	if err != nil {
		return nil, err
	}
	ring, err := keyring.FromMasterKey(master, 1)
	if err != nil {
		return nil, err
	}
	h, err := keyring.NewHolder(ring)
	if err != nil {
		return nil, err
	}
	return &Keys{source: h}, nil
}

// Source is what sealers and the decrypt stage read keys from.
func (k *Keys) Source() seal.KeySource { return k.source }

// Sealer returns a sealer over the ring.
func (k *Keys) Sealer() (*seal.Sealer, error) { return seal.NewSealer(k.source, nil) }

// Watch keeps the ring current until ctx is cancelled; it returns at once
// when the ring does not come from a file.
func (k *Keys) Watch(ctx context.Context) error {
	if k.watcher == nil {
		return nil
	}
	return k.watcher.Run(ctx)
}
