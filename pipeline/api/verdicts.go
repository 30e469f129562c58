package api

import (
	"context"
	"errors"
	"time"
)

// ErrVerdictNotFound means no analysis row has that event id.
var ErrVerdictNotFound = errors.New("api: verdict not found")

// Verdict is one analysed email as stored by the ClickHouse sink. The
// sealed fields stay sealed unless the caller holds pii:read.
type Verdict struct {
	EventID       string
	Tenant        string
	Gateway       string
	ReceivedAt    time.Time
	ProcessedAt   time.Time
	SenderDomain  string
	Score         float64
	Action        string
	ModelName     string
	ModelVersion  string
	FindingCodes  []string
	SenderSealed  string
	SubjectSealed string
	Findings      []Finding
}

// Finding is one finding row of a verdict.
type Finding struct {
	Code         string
	Severity     string
	DetailSealed string
}

// VerdictFilter selects recent verdicts, newest first.
type VerdictFilter struct {
	Tenant   string
	Action   string
	MinScore float64
	Since    time.Time
	Limit    int
}

// VerdictReader reads analysis results.
type VerdictReader interface {
	Verdict(ctx context.Context, eventID string) (Verdict, error)
	Verdicts(ctx context.Context, f VerdictFilter) ([]Verdict, error)
}
