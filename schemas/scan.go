package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Limits the pre-decode scan enforces on every Avro body.
const (
	// MaxArrayItems bounds the array items plus map entries of one record,
	// summed over all its arrays and maps. goavro preallocates a slice of
	// whatever block count it reads, so without this check a five-byte
	// body claiming 2^31 recipients would allocate tens of gigabytes; a
	// legitimate event has a few recipients and encrypted field names.
	MaxArrayItems = 1 << 16
	// maxNesting bounds how deep records, arrays, maps and unions nest
	// while scanning, so a recursive writer schema cannot recurse the
	// decoder without bound.
	maxNesting = 32
	// maxFixedSize bounds a fixed type's declared size in a writer schema.
	maxFixedSize = 1 << 20
)

type avroKind uint8

const (
	kindNull avroKind = iota
	kindBoolean
	kindInt
	kindLong
	kindFloat
	kindDouble
	kindBytes
	kindString
	kindRecord
	kindEnum
	kindArray
	kindMap
	kindUnion
	kindFixed
)

func primitiveKind(name string) (avroKind, bool) {
	switch name {
	case "null":
		return kindNull, true
	case "boolean":
		return kindBoolean, true
	case "int":
		return kindInt, true
	case "long":
		return kindLong, true
	case "float":
		return kindFloat, true
	case "double":
		return kindDouble, true
	case "bytes":
		return kindBytes, true
	case "string":
		return kindString, true
	}
	return 0, false
}

// shape is a writer schema reduced to what walking its binary encoding
// needs. Shapes of recursive schemas form cycles; they are immutable once
// built and shared by every concurrent scan.
type shape struct {
	kind     avroKind
	children []*shape // record fields in order, union branches, or the one array item / map value
	n        int      // enum symbol count, fixed size
}

// parseShape builds the scan shape of an Avro schema text. The text has
// already been accepted by goavro, so errors here are rare: they mean a
// construct the scanner does not understand, and such a schema is refused
// rather than decoded unchecked.
func parseShape(text string) (*shape, error) {
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("schema json: %w", err)
	}
	p := shapeParser{named: map[string]*shape{}}
	return p.parse(v, "")
}

type shapeParser struct {
	named map[string]*shape // full name -> shape of records, enums and fixeds
}

func (p *shapeParser) parse(v any, ns string) (*shape, error) {
	switch t := v.(type) {
	case string:
		if k, ok := primitiveKind(t); ok {
			return &shape{kind: k}, nil
		}
		return p.lookup(t, ns)
	case []any:
		if len(t) == 0 {
			return nil, errors.New("empty union")
		}
		s := &shape{kind: kindUnion, children: make([]*shape, 0, len(t))}
		for _, b := range t {
			c, err := p.parse(b, ns)
			if err != nil {
				return nil, err
			}
			s.children = append(s.children, c)
		}
		return s, nil
	case map[string]any:
		return p.parseObject(t, ns)
	}
	return nil, fmt.Errorf("unexpected schema element %T", v)
}

func (p *shapeParser) parseObject(t map[string]any, ns string) (*shape, error) {
	typ, ok := t["type"].(string)
	if !ok {
		// {"type": {...}} or {"type": [...]}: the object only wraps a type.
		return p.parse(t["type"], ns)
	}
	switch typ {
	case "record", "error":
		full, inner, err := fullName(t, ns)
		if err != nil {
			return nil, err
		}
		s := &shape{kind: kindRecord}
		p.named[full] = s // before the fields: a field may refer to it
		fields, _ := t["fields"].([]any)
		for _, f := range fields {
			fm, ok := f.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("record %s: field is %T", full, f)
			}
			c, err := p.parse(fm["type"], inner)
			if err != nil {
				return nil, fmt.Errorf("record %s: %w", full, err)
			}
			s.children = append(s.children, c)
		}
		return s, nil
	case "enum":
		full, _, err := fullName(t, ns)
		if err != nil {
			return nil, err
		}
		syms, _ := t["symbols"].([]any)
		s := &shape{kind: kindEnum, n: len(syms)}
		p.named[full] = s
		return s, nil
	case "fixed":
		full, _, err := fullName(t, ns)
		if err != nil {
			return nil, err
		}
		size, ok := t["size"].(float64)
		if !ok || size < 0 || size > maxFixedSize || size != math.Trunc(size) {
			return nil, fmt.Errorf("fixed %s: bad size", full)
		}
		s := &shape{kind: kindFixed, n: int(size)}
		p.named[full] = s
		return s, nil
	case "array", "map":
		key := "items"
		k := kindArray
		if typ == "map" {
			key, k = "values", kindMap
		}
		c, err := p.parse(t[key], ns)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", typ, err)
		}
		return &shape{kind: k, children: []*shape{c}}, nil
	}
	// A primitive with attributes (logicalType) or a named reference.
	return p.parse(typ, ns)
}

func (p *shapeParser) lookup(name, ns string) (*shape, error) {
	if !strings.Contains(name, ".") && ns != "" {
		if s, ok := p.named[ns+"."+name]; ok {
			return s, nil
		}
	}
	if s, ok := p.named[name]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("unknown type %q", name)
}

// fullName returns the full name a named type declares and the namespace
// its children inherit.
func fullName(t map[string]any, enclosing string) (full, ns string, err error) {
	name, _ := t["name"].(string)
	if name == "" {
		return "", "", errors.New("named type without a name")
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name, name[:i], nil
	}
	ns = enclosing
	if explicit, ok := t["namespace"].(string); ok {
		ns = explicit
	}
	if ns == "" {
		return name, "", nil
	}
	return ns + "." + name, ns, nil
}

// scan walks an Avro body against its writer shape without allocating,
// before goavro decodes it. It bounds what goavro would preallocate
// (MaxArrayItems) and how deep it would recurse, and tells a truncated body
// from a malformed one exactly, which goavro's errors do not.
func scan(s *shape, body []byte) error {
	w := walker{buf: body, items: MaxArrayItems}
	if err := w.walk(s, 0); err != nil {
		return err
	}
	if len(w.buf) != 0 {
		return malformed(fmt.Sprintf("%d trailing bytes", len(w.buf)))
	}
	return nil
}

type walker struct {
	buf   []byte
	items int // array items and map entries still allowed
}

func (w *walker) skip(n int64) error {
	if n > int64(len(w.buf)) {
		return truncated()
	}
	w.buf = w.buf[n:]
	return nil
}

// long reads a zig-zag varint of at most 10 bytes.
func (w *walker) long() (int64, error) {
	var u uint64
	for i := 0; i < 10; i++ {
		if i >= len(w.buf) {
			return 0, truncated()
		}
		b := w.buf[i]
		if i == 9 && b > 1 {
			return 0, malformed("varint overflows 64 bits")
		}
		u |= uint64(b&0x7f) << (7 * i)
		if b&0x80 == 0 {
			w.buf = w.buf[i+1:]
			return int64(u>>1) ^ -int64(u&1), nil
		}
	}
	return 0, malformed("varint overflows 64 bits")
}

func (w *walker) int() (int64, error) {
	v, err := w.long()
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, malformed("int out of range")
	}
	return v, nil
}

func (w *walker) length() (int64, error) {
	n, err := w.long()
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, malformed("negative length")
	}
	return n, nil
}

func (w *walker) walk(s *shape, depth int) error {
	if depth > maxNesting {
		return malformed("nested too deeply")
	}
	switch s.kind {
	case kindNull:
		return nil
	case kindBoolean:
		if len(w.buf) == 0 {
			return truncated()
		}
		if w.buf[0] > 1 {
			return malformed("bad boolean")
		}
		w.buf = w.buf[1:]
		return nil
	case kindInt:
		_, err := w.int()
		return err
	case kindLong:
		_, err := w.long()
		return err
	case kindFloat:
		return w.skip(4)
	case kindDouble:
		return w.skip(8)
	case kindBytes, kindString:
		n, err := w.length()
		if err != nil {
			return err
		}
		return w.skip(n)
	case kindFixed:
		return w.skip(int64(s.n))
	case kindEnum:
		i, err := w.int()
		if err != nil {
			return err
		}
		if i < 0 || i >= int64(s.n) {
			return malformed("bad enum index")
		}
		return nil
	case kindUnion:
		i, err := w.long()
		if err != nil {
			return err
		}
		if i < 0 || i >= int64(len(s.children)) {
			return malformed("bad union index")
		}
		return w.walk(s.children[i], depth+1)
	case kindRecord:
		for _, f := range s.children {
			if err := w.walk(f, depth+1); err != nil {
				return err
			}
		}
		return nil
	case kindArray, kindMap:
		return w.blocks(s, depth)
	}
	return malformed("unknown type")
}

// blocks walks the blocks of an array or map: each a count (negative when
// a byte size follows) and that many items, ending with a zero count.
func (w *walker) blocks(s *shape, depth int) error {
	for {
		n, err := w.long()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if n < 0 {
			if n == math.MinInt64 {
				return malformed("bad block count")
			}
			n = -n
			if _, err := w.length(); err != nil {
				return err
			}
		}
		if n > int64(w.items) {
			return malformed(fmt.Sprintf("more than %d array items", MaxArrayItems))
		}
		w.items -= int(n)
		for range n {
			if s.kind == kindMap {
				k, err := w.length()
				if err != nil {
					return err
				}
				if err := w.skip(k); err != nil {
					return err
				}
			}
			if err := w.walk(s.children[0], depth+1); err != nil {
				return err
			}
		}
	}
}
