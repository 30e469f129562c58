package clickhouse

import (
	"context"
	"fmt"
	"time"
)

// DomainCount is a sender domain and how many emails it sent.
type DomainCount struct {
	Domain string `json:"domain"`
	Count  uint64 `json:"count"`
}

// Summary is what `phishx demo` prints: verdict counts since a time.
type Summary struct {
	ByAction    map[string]uint64 `json:"by_action"`
	Quarantined []DomainCount     `json:"top_quarantined_domains"`
	Query       string            `json:"query"` // the analyst query that shows the counts
}

// Summarize counts verdicts of rows processed since since.
func (s *Store) Summarize(ctx context.Context, since time.Time) (Summary, error) {
	out := Summary{
		ByAction: map[string]uint64{},
		Query:    fmt.Sprintf("SELECT action, count() FROM %s.email_analysis FINAL GROUP BY action", s.cfg.Database),
	}
	rows, err := s.conn.Query(ctx, fmt.Sprintf(
		"SELECT toString(action), count() FROM %s.email_analysis FINAL WHERE processed_at >= ? GROUP BY action",
		s.cfg.Database), since.UTC().Truncate(time.Second))
	if err != nil {
		return out, fmt.Errorf("count verdicts: %w", err)
	}
	for rows.Next() {
		var a string
		var n uint64
		if err := rows.Scan(&a, &n); err != nil {
			rows.Close()
			return out, fmt.Errorf("count verdicts: %w", err)
		}
		out.ByAction[a] = n
	}
	rows.Close()
	rows, err = s.conn.Query(ctx, fmt.Sprintf(`SELECT sender_domain, count() AS n FROM %s.email_analysis FINAL
		WHERE processed_at >= ? AND action = 'quarantine' AND sender_domain != ''
		GROUP BY sender_domain ORDER BY n DESC, sender_domain LIMIT 5`, s.cfg.Database), since.UTC().Truncate(time.Second))
	if err != nil {
		return out, fmt.Errorf("top domains: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d DomainCount
		if err := rows.Scan(&d.Domain, &d.Count); err != nil {
			return out, fmt.Errorf("top domains: %w", err)
		}
		out.Quarantined = append(out.Quarantined, d)
	}
	return out, rows.Err()
}
