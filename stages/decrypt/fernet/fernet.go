package fernet

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// Version is the only Fernet version byte.
const Version byte = 0x80

const (
	tsOffset  = 1
	ivOffset  = tsOffset + 8
	ctOffset  = ivOffset + aes.BlockSize
	overhead  = ctOffset + sha256.Size   // version + timestamp + IV + HMAC
	minRawLen = overhead + aes.BlockSize // at least one cipher block
	minLimit  = (minRawLen + 2) / 3 * 4  // encoded length of the smallest token
	maxLimit  = math.MaxInt32            // keeps length arithmetic far from overflow
)

var b64 = base64.URLEncoding

// Config configures a Codec. Start from DefaultConfig.
type Config struct {
	// TTL is how old a token may be when decrypted; 0 means tokens do not
	// expire (events wait in Kafka and sealed columns live in ClickHouse for
	// as long as retention says, so the default is 0).
	TTL time.Duration
	// MaxClockSkew is how far in the future a token's timestamp may be.
	MaxClockSkew time.Duration
	// MaxTokenSize caps the encoded token length, checked before decoding.
	MaxTokenSize int
	// Now is the clock. Tests inject a fixed one.
	Now func() time.Time
	// Rand supplies IVs. Tests inject a fixed one.
	Rand io.Reader
}

// DefaultConfig returns no TTL, 60 s of clock skew, a 16 MiB token limit,
// time.Now and crypto/rand.
func DefaultConfig() Config {
	return Config{
		TTL:          0,
		MaxClockSkew: 60 * time.Second, // the spec's default
		MaxTokenSize: 16 << 20,         // 16 MiB encoded
		Now:          time.Now,
		Rand:         rand.Reader,
	}
}

// Validate names the first bad field.
func (c Config) Validate() error {
	switch {
	case c.TTL != 0 && c.TTL < time.Second:
		return errors.New("fernet: config: TTL must be 0 (no expiry) or at least 1s")
	case c.MaxClockSkew < time.Second:
		return errors.New("fernet: config: MaxClockSkew must be at least 1s")
	case c.MaxTokenSize < minLimit || c.MaxTokenSize > maxLimit:
		return fmt.Errorf("fernet: config: MaxTokenSize must be in [%d, %d]", minLimit, maxLimit)
	case c.Now == nil:
		return errors.New("fernet: config: Now must be set")
	case c.Rand == nil:
		return errors.New("fernet: config: Rand must be set")
	}
	return nil
}

// Codec encrypts and decrypts Fernet tokens under one configuration. It is
// safe for concurrent use (as long as Config.Rand is).
type Codec struct {
	cfg         Config
	maxPlain    int // largest plaintext whose token fits MaxTokenSize
	ttlSec      int64
	skewSeconds int64
}

// NewCodec validates cfg and returns a Codec.
func NewCodec(cfg Config) (*Codec, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rawMax := cfg.MaxTokenSize / 4 * 3
	// The padded ciphertext is len(msg) rounded up to the next full block.
	maxPlain := (rawMax-overhead)/aes.BlockSize*aes.BlockSize - 1
	return &Codec{
		cfg:         cfg,
		maxPlain:    maxPlain,
		ttlSec:      int64(cfg.TTL / time.Second),
		skewSeconds: int64(cfg.MaxClockSkew / time.Second),
	}, nil
}

// Config returns the codec's configuration.
func (c *Codec) Config() Config { return c.cfg }

// MaxPlaintext returns the largest plaintext Encrypt accepts.
func (c *Codec) MaxPlaintext() int { return c.maxPlain }

// EncodedLen returns the token length for a plaintext of n bytes.
func EncodedLen(n int) int { return b64.EncodedLen(rawLen(n)) }

func rawLen(n int) int { return overhead + (n/aes.BlockSize+1)*aes.BlockSize }

// Encrypt seals msg with k at the codec's current time and a fresh IV and
// returns the token (URL-safe base64 with padding).
func (c *Codec) Encrypt(k *Key, msg []byte) ([]byte, error) {
	return c.AppendEncrypt(nil, k, msg)
}

// AppendEncrypt appends the token for msg to dst.
func (c *Codec) AppendEncrypt(dst []byte, k *Key, msg []byte) ([]byte, error) {
	if k == nil || k.block == nil {
		return nil, errNilKey
	}
	if len(msg) > c.maxPlain {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrPlaintextTooLarge, len(msg), c.maxPlain)
	}
	now := c.cfg.Now().Unix()
	if now < 0 {
		return nil, errNegativeNow
	}
	n := rawLen(len(msg))
	raw := make([]byte, n)
	raw[0] = Version
	binary.BigEndian.PutUint64(raw[tsOffset:], uint64(now))
	iv := raw[ivOffset:ctOffset]
	if _, err := io.ReadFull(c.cfg.Rand, iv); err != nil {
		return nil, fmt.Errorf("fernet: read IV: %w", err)
	}
	ct := raw[ctOffset : n-sha256.Size]
	copy(ct, msg)
	pad := byte(len(ct) - len(msg))
	for i := len(msg); i < len(ct); i++ {
		ct[i] = pad
	}
	cipher.NewCBCEncrypter(k.block, iv).CryptBlocks(ct, ct)
	mac := hmac.New(sha256.New, k.sign[:])
	mac.Write(raw[:n-sha256.Size])
	mac.Sum(raw[:n-sha256.Size])
	return b64.AppendEncode(dst, raw), nil
}

// Decrypt verifies token with k and returns its plaintext. Every rejection
// wraps ErrInvalidToken; see the ErrX values for the reasons.
func (c *Codec) Decrypt(k *Key, token []byte) ([]byte, error) {
	if k == nil || k.block == nil {
		return nil, errNilKey
	}
	if len(token) > c.cfg.MaxTokenSize {
		return nil, ErrTooLarge
	}
	raw := make([]byte, b64.DecodedLen(len(token)))
	n, err := b64.Decode(raw, token)
	if err != nil {
		return nil, ErrMalformed
	}
	return c.open(k, raw[:n])
}

// DecryptString is Decrypt for a token held in a string.
func (c *Codec) DecryptString(k *Key, token string) ([]byte, error) {
	if k == nil || k.block == nil {
		return nil, errNilKey
	}
	if len(token) > c.cfg.MaxTokenSize {
		return nil, ErrTooLarge
	}
	raw, err := b64.AppendDecode(make([]byte, 0, b64.DecodedLen(len(token))), []byte(token))
	if err != nil {
		return nil, ErrMalformed
	}
	return c.open(k, raw)
}

// open verifies and decrypts a decoded token in place.
func (c *Codec) open(k *Key, raw []byte) ([]byte, error) {
	if len(raw) < minRawLen || (len(raw)-overhead)%aes.BlockSize != 0 {
		return nil, ErrMalformed
	}
	if raw[0] != Version {
		return nil, ErrBadVersion
	}
	if err := c.checkTime(binary.BigEndian.Uint64(raw[tsOffset:])); err != nil {
		return nil, err
	}
	body := len(raw) - sha256.Size
	mac := hmac.New(sha256.New, k.sign[:])
	mac.Write(raw[:body])
	var sum [sha256.Size]byte
	if !hmac.Equal(mac.Sum(sum[:0]), raw[body:]) {
		return nil, ErrBadMAC
	}
	ct := raw[ctOffset:body]
	cipher.NewCBCDecrypter(k.block, raw[ivOffset:ctOffset]).CryptBlocks(ct, ct)
	pad := int(ct[len(ct)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, ErrBadPadding
	}
	for _, b := range ct[len(ct)-pad:] {
		if int(b) != pad {
			return nil, ErrBadPadding
		}
	}
	return ct[:len(ct)-pad], nil
}

func (c *Codec) checkTime(ts uint64) error {
	now := c.cfg.Now().Unix()
	if now < 0 {
		return errNegativeNow
	}
	// now and the skew are far below 2^63, so this cannot overflow.
	if ts > uint64(now)+uint64(c.skewSeconds) {
		return ErrFromFuture
	}
	if c.ttlSec > 0 && int64(ts)+c.ttlSec < now {
		return ErrExpired
	}
	return nil
}
