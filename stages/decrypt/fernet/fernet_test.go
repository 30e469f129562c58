package fernet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// vectorDir finds ../shared/testdata/fernet beside the repository root (the
// directory holding go.mod). The vectors are not copied into the repository.
func vectorDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
	vd := filepath.Join(dir, "..", "shared", "testdata", "fernet")
	if _, err := os.Stat(filepath.Join(vd, "generate.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Fernet vectors missing at %s (required in CI): %v", vd, err)
		}
		t.Skipf("Fernet vectors not found at %s: the spec vectors live in ../shared/testdata/fernet beside the repository", vd)
	}
	return vd
}

type vector struct {
	Desc   string `json:"desc"`
	Token  string `json:"token"`
	Now    string `json:"now"`
	IV     []byte `json:"-"`
	IVInts []int  `json:"iv"`
	TTLSec int    `json:"ttl_sec"`
	Src    string `json:"src"`
	Secret string `json:"secret"`
}

func loadVectors(t *testing.T, name string) []vector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(vs) == 0 {
		t.Fatalf("%s: no vectors", name)
	}
	for i := range vs {
		for _, x := range vs[i].IVInts {
			vs[i].IV = append(vs[i].IV, byte(x))
		}
	}
	return vs
}

func codecAt(t testing.TB, now string, ttl time.Duration, iv []byte) *Codec {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, now)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Now = func() time.Time { return ts }
	cfg.TTL = ttl
	if iv != nil {
		cfg.Rand = bytes.NewReader(iv)
	}
	c, err := NewCodec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVectorsGenerate(t *testing.T) {
	for _, v := range loadVectors(t, "generate.json") {
		k, err := DecodeKey(v.Secret)
		if err != nil {
			t.Fatal(err)
		}
		c := codecAt(t, v.Now, 0, v.IV)
		got, err := c.Encrypt(k, []byte(v.Src))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != v.Token {
			t.Errorf("Encrypt(%q) = %s, want %s", v.Src, got, v.Token)
		}
		if len(got) != EncodedLen(len(v.Src)) {
			t.Errorf("EncodedLen = %d, token is %d", EncodedLen(len(v.Src)), len(got))
		}
	}
}

func TestVectorsVerify(t *testing.T) {
	for _, v := range loadVectors(t, "verify.json") {
		k, err := DecodeKey(v.Secret)
		if err != nil {
			t.Fatal(err)
		}
		c := codecAt(t, v.Now, time.Duration(v.TTLSec)*time.Second, nil)
		got, err := c.Decrypt(k, []byte(v.Token))
		if err != nil {
			t.Fatalf("Decrypt: %v", err)
		}
		if string(got) != v.Src {
			t.Errorf("Decrypt = %q, want %q", got, v.Src)
		}
		gotS, err := c.DecryptString(k, v.Token)
		if err != nil || string(gotS) != v.Src {
			t.Errorf("DecryptString = %q, %v; want %q", gotS, err, v.Src)
		}
	}
}

func TestVectorsInvalid(t *testing.T) {
	wantErr := map[string]error{
		"incorrect mac":  ErrBadMAC,
		"too short":      ErrMalformed,
		"invalid base64": ErrMalformed,
		"payload size not multiple of block size": ErrMalformed,
		"payload padding error":                   ErrBadPadding,
		"far-future TS (unacceptable clock skew)": ErrFromFuture,
		"expired TTL":                         ErrExpired,
		"incorrect IV (causes padding error)": ErrBadPadding,
	}
	for _, v := range loadVectors(t, "invalid.json") {
		t.Run(v.Desc, func(t *testing.T) {
			k, err := DecodeKey(v.Secret)
			if err != nil {
				t.Fatal(err)
			}
			c := codecAt(t, v.Now, time.Duration(v.TTLSec)*time.Second, nil)
			got, err := c.Decrypt(k, []byte(v.Token))
			if err == nil {
				t.Fatalf("Decrypt accepted an invalid token, plaintext %q", got)
			}
			if !errors.Is(err, ErrInvalidToken) {
				t.Errorf("error %v does not wrap ErrInvalidToken", err)
			}
			if want, ok := wantErr[v.Desc]; ok && !errors.Is(err, want) {
				t.Errorf("error = %v, want %v", err, want)
			}
			if strings.Contains(err.Error(), v.Token) || strings.Contains(err.Error(), v.Secret) {
				t.Errorf("error leaks token or key: %v", err)
			}
		})
	}
}

func testKey(t testing.TB) *Key {
	t.Helper()
	k, err := NewKey(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func fixedCodec(t testing.TB, now *time.Time, mod func(*Config)) *Codec {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Now = func() time.Time { return *now }
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewCodec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTripSizes(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := fixedCodec(t, &now, nil)
	k := testKey(t)
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 64, 2500, 1 << 16} {
		msg := bytes.Repeat([]byte{'x'}, n)
		tok, err := c.Encrypt(k, msg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Decrypt(k, tok)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("n=%d: round trip mismatch", n)
		}
	}
}

func TestWrongKey(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := fixedCodec(t, &now, nil)
	k2, err := GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Encrypt(testKey(t), []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decrypt(k2, tok); !errors.Is(err, ErrBadMAC) {
		t.Fatalf("Decrypt with another key: err = %v, want ErrBadMAC", err)
	}
}

func TestTimeChecks(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name    string
		ttl     time.Duration
		skew    time.Duration
		decrypt time.Duration // offset of the decrypting clock from the sealing clock
		want    error
	}{
		{name: "fresh, no ttl", decrypt: 0, want: nil},
		{name: "old, no ttl", decrypt: 10 * 365 * 24 * time.Hour, want: nil},
		{name: "within ttl", ttl: time.Minute, decrypt: time.Minute, want: nil},
		{name: "past ttl", ttl: time.Minute, decrypt: time.Minute + time.Second, want: ErrExpired},
		{name: "future within skew", skew: time.Minute, decrypt: -time.Minute, want: nil},
		{name: "future beyond skew", skew: time.Minute, decrypt: -time.Minute - time.Second, want: ErrFromFuture},
		{name: "future beyond skew, no ttl", skew: 5 * time.Second, decrypt: -time.Hour, want: ErrFromFuture},
	}
	k := testKey(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := base
			c := fixedCodec(t, &now, func(cfg *Config) {
				cfg.TTL = tt.ttl
				if tt.skew > 0 {
					cfg.MaxClockSkew = tt.skew
				}
			})
			tok, err := c.Encrypt(k, []byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			now = base.Add(tt.decrypt)
			_, err = c.Decrypt(k, tok)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := fixedCodec(t, &now, func(cfg *Config) { cfg.MaxTokenSize = 1024 })
	k := testKey(t)
	max := c.MaxPlaintext()
	tok, err := c.Encrypt(k, make([]byte, max))
	if err != nil {
		t.Fatalf("Encrypt at the limit: %v", err)
	}
	if len(tok) > 1024 {
		t.Fatalf("token of %d bytes exceeds the 1024 limit", len(tok))
	}
	if _, err := c.Decrypt(k, tok); err != nil {
		t.Fatalf("Decrypt at the limit: %v", err)
	}
	if _, err := c.Encrypt(k, make([]byte, max+1)); !errors.Is(err, ErrPlaintextTooLarge) {
		t.Fatalf("Encrypt above the limit: err = %v", err)
	}
	big := fixedCodec(t, &now, nil)
	tok, err = big.Encrypt(k, make([]byte, 2048))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decrypt(k, tok); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Decrypt above the limit: err = %v", err)
	}
}

func TestMalformed(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := fixedCodec(t, &now, nil)
	k := testKey(t)
	good, err := c.Encrypt(k, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := b64.DecodeString(string(good))
	badVersion := append([]byte(nil), raw...)
	badVersion[0] = 0x81
	tests := []struct {
		name string
		give []byte
		want error
	}{
		{name: "empty", give: nil, want: ErrMalformed},
		{name: "unpadded base64", give: bytes.TrimRight(good, "="), want: ErrMalformed},
		{name: "standard alphabet", give: []byte(strings.NewReplacer("-", "+", "_", "/").Replace(string(good)) + "+"), want: ErrMalformed},
		{name: "version", give: []byte(b64.EncodeToString(badVersion)), want: ErrBadVersion},
		{name: "truncated", give: []byte(b64.EncodeToString(raw[:len(raw)-16])), want: ErrMalformed},
		{name: "flipped ciphertext", give: []byte(b64.EncodeToString(flip(raw, ctOffset))), want: ErrBadMAC},
		{name: "flipped mac", give: []byte(b64.EncodeToString(flip(raw, len(raw)-1))), want: ErrBadMAC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Decrypt(k, tt.give); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := c.Decrypt(nil, good); err == nil {
		t.Fatal("Decrypt with nil key succeeded")
	}
}

func flip(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 1
	return out
}

func TestKeyRedacted(t *testing.T) {
	secret := "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
	k, err := DecodeKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	if k.Encode() != secret {
		t.Fatalf("Encode does not round-trip")
	}
	var s struct{ K *Key }
	s.K = k
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		out := fmt.Sprintf(verb, k) + fmt.Sprintf(verb, s) + fmt.Sprintf(verb, []*Key{k})
		if strings.Contains(out, "cw_0x") || !strings.Contains(out, redacted) {
			t.Errorf("%s prints %q", verb, out)
		}
		for _, b := range k.sign[:4] {
			if strings.Contains(out, fmt.Sprintf("%d %d", b, k.sign[1])) {
				t.Errorf("%s prints key bytes: %q", verb, out)
			}
		}
	}
	k2, _ := DecodeKey(strings.TrimRight(secret, "="))
	if !k.Equal(k2) {
		t.Fatal("unpadded key decodes differently")
	}
}

func TestDecodeKeyErrors(t *testing.T) {
	for _, give := range []string{"", "short", "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=AAAA", "%%%%"} {
		_, err := DecodeKey(give)
		if !errors.Is(err, ErrInvalidKey) {
			t.Errorf("DecodeKey(%q) err = %v", give, err)
		}
		if give != "" && strings.Contains(err.Error(), give) {
			t.Errorf("error quotes the key: %v", err)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		ok   bool
	}{
		{name: "default", mod: func(*Config) {}, ok: true},
		{name: "negative ttl", mod: func(c *Config) { c.TTL = -time.Second }},
		{name: "sub-second ttl", mod: func(c *Config) { c.TTL = time.Millisecond }},
		{name: "zero skew", mod: func(c *Config) { c.MaxClockSkew = 0 }},
		{name: "tiny limit", mod: func(c *Config) { c.MaxTokenSize = 10 }},
		{name: "nil clock", mod: func(c *Config) { c.Now = nil }},
		{name: "nil rand", mod: func(c *Config) { c.Rand = nil }},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		tt.mod(&cfg)
		if err := cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v", tt.name, err)
		}
	}
}

func FuzzDecrypt(f *testing.F) {
	now := time.Unix(1_700_000_000, 0)
	cfg := DefaultConfig()
	cfg.Now = func() time.Time { return now }
	cfg.MaxTokenSize = 1 << 16
	c, err := NewCodec(cfg)
	if err != nil {
		f.Fatal(err)
	}
	k := testKey(f)
	for _, msg := range []string{"", "hello", strings.Repeat("a", 100)} {
		tok, err := c.Encrypt(k, []byte(msg))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
	}
	f.Add([]byte("gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA=="))
	f.Add([]byte("%%%"))
	f.Fuzz(func(t *testing.T, tok []byte) {
		got, err := c.Decrypt(k, tok)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("error %v does not wrap ErrInvalidToken", err)
			}
			return
		}
		// Accepted: it must be a token we could have made.
		again, err := c.Encrypt(k, got)
		if err != nil || len(again) != len(tok) {
			t.Fatalf("accepted token of length %d, re-encryption gives %d (%v)", len(tok), len(again), err)
		}
	})
}

func benchDecrypt(b *testing.B, n int) {
	now := time.Unix(1_700_000_000, 0)
	c := fixedCodec(b, &now, nil)
	k := testKey(b)
	tok, err := c.Encrypt(k, bytes.Repeat([]byte{'a'}, n))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for b.Loop() {
		if _, err := c.Decrypt(k, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecryptField64(b *testing.B)  { benchDecrypt(b, 64) }
func BenchmarkDecryptBody2500(b *testing.B) { benchDecrypt(b, 2500) }

func BenchmarkEncryptField64(b *testing.B) {
	now := time.Unix(1_700_000_000, 0)
	c := fixedCodec(b, &now, nil)
	k := testKey(b)
	msg := bytes.Repeat([]byte{'a'}, 64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encrypt(k, msg); err != nil {
			b.Fatal(err)
		}
	}
}
