package schemas

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"golang.org/x/sync/singleflight"
)

//go:embed email_event.v1.avsc
var emailEventV1 string

//go:embed verdict.v1.avsc
var verdictV1 string

// Schema ids of the schemas compiled into the binary, used by
// EmbeddedRegistry when no Schema Registry is configured. They never
// change meaning: a new schema version gets a new id.
const (
	EmbeddedEmailEventV1 uint32 = 1
	EmbeddedVerdictV1    uint32 = 2
)

// Full record names, used to check that a schema id found on the wire
// belongs to the kind of record expected.
const (
	EmailEventName = "dev.phishx.email.EmailEvent"
	VerdictName    = "dev.phishx.verdict.Verdict"
)

// EmailEventSchemaV1 returns the compiled-in email event schema text, for
// registering it elsewhere or for tools.
func EmailEventSchemaV1() string { return emailEventV1 }

// VerdictSchemaV1 returns the compiled-in verdict schema text.
func VerdictSchemaV1() string { return verdictV1 }

// Schema is one parsed Avro record schema. It is immutable and safe for
// concurrent use.
type Schema struct {
	ID   uint32
	Name string // full record name, e.g. EmailEventName
	Text string

	codec *goavro.Codec
	shape *shape
	// fields are the record's top-level field names, in order
	fields []string
	// defaults of the fields that declare one, as encoding/json decodes
	// them, for a reader reading data written without those fields
	defaults map[string]any
}

// ParseSchema compiles an Avro record schema text. Only records are
// accepted: every PhishX topic carries one record type.
func ParseSchema(id uint32, text string) (*Schema, error) {
	c, err := goavro.NewCodec(text)
	if err != nil {
		return nil, fmt.Errorf("schema %d: %w", id, err)
	}
	var decl struct {
		Type      string `json:"type"`
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
		Fields    []struct {
			Name    string          `json:"name"`
			Default json.RawMessage `json:"default"`
		} `json:"fields"`
	}
	if err := json.Unmarshal([]byte(text), &decl); err != nil {
		return nil, fmt.Errorf("schema %d: not a record: %w", id, err)
	}
	if decl.Type != "record" {
		return nil, fmt.Errorf("schema %d: type %q, want a record", id, decl.Type)
	}
	sh, err := parseShape(text)
	if err != nil {
		return nil, fmt.Errorf("schema %d: %w", id, err)
	}
	full, _, err := fullName(map[string]any{"name": decl.Name, "namespace": decl.Namespace}, "")
	if err != nil {
		return nil, fmt.Errorf("schema %d: %w", id, err)
	}
	s := &Schema{ID: id, Name: full, Text: text, codec: c, shape: sh, defaults: map[string]any{}}
	for _, f := range decl.Fields {
		s.fields = append(s.fields, f.Name)
		if len(f.Default) == 0 {
			continue
		}
		var v any
		if err := json.Unmarshal(f.Default, &v); err != nil {
			return nil, fmt.Errorf("schema %d: default of %s: %w", id, f.Name, err)
		}
		s.defaults[f.Name] = v
	}
	return s, nil
}

// Registry resolves the schema ids found on the wire and names the schema
// new records are written with: the subject -> id half of a Schema
// Registry, fixed at construction. Implementations are safe for concurrent
// use.
type Registry interface {
	// ByID returns the schema with that id. Its error is a *DecodeError
	// wrapping ErrUnknownSchema when the id does not exist, or
	// ErrRegistryUnavailable when it could not be looked up.
	ByID(ctx context.Context, id uint32) (*Schema, error)
	// EmailEvent and Verdict return the schemas new records are written
	// with.
	EmailEvent() *Schema
	Verdict() *Schema
}

// EmbeddedRegistry serves the schemas compiled into the binary with fixed
// ids (EmbeddedEmailEventV1, EmbeddedVerdictV1). It never blocks.
type EmbeddedRegistry struct {
	byID    map[uint32]*Schema // read-only after construction
	event   *Schema
	verdict *Schema
}

var _ Registry = (*EmbeddedRegistry)(nil)

// NewEmbeddedRegistry returns the registry of compiled-in schemas.
func NewEmbeddedRegistry() (*EmbeddedRegistry, error) {
	ev, err := ParseSchema(EmbeddedEmailEventV1, emailEventV1)
	if err != nil {
		return nil, err
	}
	vd, err := ParseSchema(EmbeddedVerdictV1, verdictV1)
	if err != nil {
		return nil, err
	}
	return &EmbeddedRegistry{
		byID:  map[uint32]*Schema{ev.ID: ev, vd.ID: vd},
		event: ev, verdict: vd,
	}, nil
}

// ByID implements Registry.
func (r *EmbeddedRegistry) ByID(_ context.Context, id uint32) (*Schema, error) {
	if s, ok := r.byID[id]; ok {
		return s, nil
	}
	return nil, unknownSchema(id)
}

// EmailEvent implements Registry.
func (r *EmbeddedRegistry) EmailEvent() *Schema { return r.event }

// Verdict implements Registry.
func (r *EmbeddedRegistry) Verdict() *Schema { return r.verdict }

// maxCachedSchemas bounds the id cache of a SchemaRegistry. Ids that do
// not exist are never cached, and when the cache is full an arbitrary
// entry (never one of the two write schemas) makes room: a schema id is
// immutable, so dropping one only costs a later re-fetch.
const maxCachedSchemas = 1024

// SchemaRegistry resolves ids through a Confluent-compatible Schema
// Registry (franz-go's pkg/sr). At start it registers the compiled-in
// schemas under the given subjects and writes with the ids the registry
// assigned; ids it meets on the wire are fetched once and cached.
//
// A cache miss blocks on an HTTP call bounded by the sr client's timeout
// (5 s by default); concurrent misses for one id share a single call.
type SchemaRegistry struct {
	client  *sr.Client
	event   *Schema
	verdict *Schema

	group singleflight.Group
	mu    sync.RWMutex
	cache map[uint32]*Schema
}

var _ Registry = (*SchemaRegistry)(nil)

// NewSchemaRegistry registers the event schema under eventsSubject and the
// verdict schema under verdictsSubject (usually "<topic>-value") at the
// registry at url. Registering an identical schema again is idempotent and
// returns the existing id. opts configure the sr client (auth, TLS, HTTP
// client) and are applied after the URL.
func NewSchemaRegistry(ctx context.Context, url, eventsSubject, verdictsSubject string, opts ...sr.ClientOpt) (*SchemaRegistry, error) {
	cl, err := sr.NewClient(append([]sr.ClientOpt{sr.URLs(url)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("schema registry client: %w", err)
	}
	r := &SchemaRegistry{client: cl, cache: make(map[uint32]*Schema)}
	if r.event, err = r.register(ctx, eventsSubject, emailEventV1); err != nil {
		return nil, err
	}
	if r.verdict, err = r.register(ctx, verdictsSubject, verdictV1); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *SchemaRegistry) register(ctx context.Context, subject, text string) (*Schema, error) {
	ss, err := r.client.CreateSchema(ctx, subject, sr.Schema{Schema: text, Type: sr.TypeAvro})
	if err != nil {
		return nil, fmt.Errorf("register schema under %s: %w", subject, err)
	}
	if ss.ID <= 0 || int64(ss.ID) > int64(^uint32(0)) {
		return nil, fmt.Errorf("register schema under %s: registry returned id %d", subject, ss.ID)
	}
	s, err := ParseSchema(uint32(ss.ID), text)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.cache[s.ID] = s
	r.mu.Unlock()
	return s, nil
}

// ByID implements Registry: a cached id is returned without blocking; an
// unknown one is fetched (once, however many callers ask at the same time)
// and cached.
func (r *SchemaRegistry) ByID(ctx context.Context, id uint32) (*Schema, error) {
	r.mu.RLock()
	s, ok := r.cache[id]
	r.mu.RUnlock()
	if ok {
		return s, nil
	}
	v, err, _ := r.group.Do(strconv.FormatUint(uint64(id), 10), func() (any, error) {
		return r.fetch(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Schema), nil
}

func (r *SchemaRegistry) fetch(ctx context.Context, id uint32) (*Schema, error) {
	got, err := r.client.SchemaByID(ctx, int(id))
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && (sr.IsNotFoundError(re.ErrorCode) || re.StatusCode == 404) {
			return nil, &DecodeError{Reason: fmt.Sprintf("unknown schema id %d", id), Err: fmt.Errorf("%w: %w", ErrUnknownSchema, err)}
		}
		return nil, &DecodeError{
			Reason: fmt.Sprintf("schema registry unavailable (schema id %d)", id),
			Err:    fmt.Errorf("%w: %w", ErrRegistryUnavailable, err),
		}
	}
	if got.Type != sr.TypeAvro {
		return nil, decodeErr(ErrUnknownSchema, "schema id %d is %s, not Avro", id, got.Type)
	}
	if len(got.References) > 0 {
		return nil, decodeErr(ErrUnknownSchema, "schema id %d uses references, which are not supported", id)
	}
	s, err := ParseSchema(id, got.Schema)
	if err != nil {
		return nil, &DecodeError{Reason: fmt.Sprintf("schema id %d does not compile", id), Err: fmt.Errorf("%w: %w", ErrUnknownSchema, err)}
	}
	r.mu.Lock()
	if len(r.cache) >= maxCachedSchemas {
		for k := range r.cache {
			if k != r.event.ID && k != r.verdict.ID {
				delete(r.cache, k)
				break
			}
		}
	}
	r.cache[id] = s
	r.mu.Unlock()
	return s, nil
}

// EmailEvent implements Registry.
func (r *SchemaRegistry) EmailEvent() *Schema { return r.event }

// Verdict implements Registry.
func (r *SchemaRegistry) Verdict() *Schema { return r.verdict }

// cached reports how many schemas are cached, for tests.
func (r *SchemaRegistry) cached() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.cache)
}
