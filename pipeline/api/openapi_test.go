package api

import (
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// openapi.yaml describes every route of the route table, no more, no less.
func TestOpenAPICoversRouteTable(t *testing.T) {
	raw, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, nil, nil, nil)
	seen := map[string]bool{}
	for _, rt := range h.srv.routes {
		ops, ok := doc.Paths[rt.Pattern]
		if _, has := ops[strings.ToLower(rt.Method)]; !ok || !has {
			t.Errorf("openapi.yaml lacks %s %s", rt.Method, rt.Pattern)
		}
		seen[strings.ToLower(rt.Method)+" "+rt.Pattern] = true
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !seen[m+" "+p] {
				t.Errorf("openapi.yaml documents %s %s, which is not routed", m, p)
			}
		}
	}
}
