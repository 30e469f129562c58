package schemas

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

//go:embed email_event.v1.avsc
var emailEventV1 string

//go:embed verdict.v1.avsc
var verdictV1 string

// Schema ids of the schemas compiled into the binary, used when no Schema
// Registry is configured. They never change meaning.
const (
	EmbeddedEmailEventV1 uint32 = 1
	EmbeddedVerdictV1    uint32 = 2
)

// Record names, used to check that a schema id found on the wire belongs
// to the kind of record expected.
const (
	EmailEventName = "dev.phishx.email.EmailEvent"
	VerdictName    = "dev.phishx.verdict.Verdict"
)

// Schema is one parsed Avro schema.
type Schema struct {
	ID    uint32
	Name  string // full record name
	Text  string
	codec *goavro.Codec
	// defaults of the fields that have one, for reading data written with
	// an older schema that lacks them
	defaults map[string]any
}

// ParseSchema compiles an Avro schema text.
func ParseSchema(id uint32, text string) (*Schema, error) {
	c, err := goavro.NewCodec(text)
	if err != nil {
		return nil, fmt.Errorf("schema %d: %w", id, err)
	}
	var decl struct {
		Fields []struct {
			Name    string          `json:"name"`
			Default json.RawMessage `json:"default"`
		} `json:"fields"`
	}
	if err := json.Unmarshal([]byte(text), &decl); err != nil {
		return nil, fmt.Errorf("schema %d: %w", id, err)
	}
	s := &Schema{ID: id, Name: c.Schema(), Text: text, codec: c, defaults: map[string]any{}}
	var name struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	}
	_ = json.Unmarshal([]byte(text), &name)
	s.Name = name.Name
	if name.Namespace != "" {
		s.Name = name.Namespace + "." + name.Name
	}
	for _, f := range decl.Fields {
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

// Registry resolves schema ids found on the wire and names the id to
// write each kind of record with. Implementations are safe for concurrent
// use.
type Registry interface {
	// ByID returns the schema with that id, or an error wrapping
	// ErrUnknownSchema.
	ByID(ctx context.Context, id uint32) (*Schema, error)
	// EmailEvent and Verdict return the schemas new records are written with.
	EmailEvent() *Schema
	Verdict() *Schema
}

// EmbeddedRegistry serves the schemas compiled into the binary.
type EmbeddedRegistry struct {
	byID    map[uint32]*Schema
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

// maxCachedSchemas bounds the id cache of a SchemaRegistry so that a stream
// of made-up ids cannot grow memory; unknown ids are not cached at all.
const maxCachedSchemas = 1024

// SchemaRegistry resolves ids through a Confluent-compatible Schema
// Registry. At start it registers the compiled-in schemas under
// "<topic>-value" subjects and writes with the ids the registry assigned.
type SchemaRegistry struct {
	client  *sr.Client
	event   *Schema
	verdict *Schema

	mu    sync.Mutex
	cache map[uint32]*Schema
}

var _ Registry = (*SchemaRegistry)(nil)

// NewSchemaRegistry registers the event schema under eventsSubject and the
// verdict schema under verdictsSubject (usually "<topic>-value").
func NewSchemaRegistry(ctx context.Context, url, eventsSubject, verdictsSubject string) (*SchemaRegistry, error) {
	cl, err := sr.NewClient(sr.URLs(url))
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
	s, err := ParseSchema(uint32(ss.ID), text)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.cache[s.ID] = s
	r.mu.Unlock()
	return s, nil
}

// ByID implements Registry; ids are fetched once and cached.
func (r *SchemaRegistry) ByID(ctx context.Context, id uint32) (*Schema, error) {
	r.mu.Lock()
	s, ok := r.cache[id]
	r.mu.Unlock()
	if ok {
		return s, nil
	}
	got, err := r.client.SchemaByID(ctx, int(id))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", unknownSchema(id), err)
	}
	if got.Type != sr.TypeAvro {
		return nil, fmt.Errorf("%w: schema %d is %s, not Avro", ErrUnknownSchema, id, got.Type)
	}
	if s, err = ParseSchema(id, got.Schema); err != nil {
		return nil, err
	}
	r.mu.Lock()
	if len(r.cache) < maxCachedSchemas {
		r.cache[id] = s
	}
	r.mu.Unlock()
	return s, nil
}

// EmailEvent implements Registry.
func (r *SchemaRegistry) EmailEvent() *Schema { return r.event }

// Verdict implements Registry.
func (r *SchemaRegistry) Verdict() *Schema { return r.verdict }

// EncodeNative frames a goavro native record with schema s. It is for tests
// and tools that write with a schema other than the current one.
func EncodeNative(s *Schema, native map[string]any) ([]byte, error) {
	return NewCodec(nil).encode(s, native)
}
