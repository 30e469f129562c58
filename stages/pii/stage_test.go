package pii

import (
	"context"
	"strings"
	"testing"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
)

func TestStage(t *testing.T) {
	tests := []struct {
		name       string
		subject    string
		raw        string
		encrypted  []string
		wantDetail string // "" means no finding
	}{
		{name: "clean", subject: "Quarterly report", raw: "Subject: Quarterly report\r\n\r\nsee attached"},
		{name: "subject", subject: "Call me at 415-555-2671", raw: "hello", wantDetail: "pii kinds: phone"},
		{name: "body", subject: "hi", raw: "From: a@example.com\r\n\r\nmy ssn is 123-45-6789", wantDetail: "pii kinds: email, ssn"},
		{name: "beyond scan limit", subject: "hi", raw: strings.Repeat("x", 100) + " 4111111111111111"},
		{name: "still sealed", subject: "hi", raw: "a@example.com", encrypted: []string{"raw_message"}},
	}
	s, err := NewStage(StageConfig{MaxScanBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &pipeline.Record{
				Event:    &schemas.EmailEvent{RawMessage: []byte(tt.raw), EncryptedFields: tt.encrypted},
				Analysis: pipeline.Analysis{Subject: tt.subject},
			}
			if err := s.Process(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			f := rec.Analysis.Findings
			if tt.wantDetail == "" {
				if len(f) != 0 {
					t.Fatalf("findings = %+v", f)
				}
				return
			}
			if len(f) != 1 || f[0].Code != FindingCode || f[0].Detail != tt.wantDetail {
				t.Fatalf("findings = %+v, want detail %q", f, tt.wantDetail)
			}
		})
	}
	if _, err := NewStage(StageConfig{}); err == nil {
		t.Fatal("zero config accepted")
	}
}
