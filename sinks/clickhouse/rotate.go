package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Resealer opens sealed values with whichever key they name and seals them
// again with the active key. *seal.Sealer implements it.
type Resealer interface {
	Sealer
	OpenString(sealed string) ([]byte, error)
}

// RotateStats says what Reseal did.
type RotateStats struct {
	Analyses int // email_analysis rows re-sealed
	Findings int // findings rows re-sealed
}

// rotateChunk bounds the rows read and rewritten at once.
const rotateChunk = 5000

// Reseal moves every stored sealed value to the active key version. Each
// row is rewritten with the same sort key and a higher ingest_version, so
// ReplacingMergeTree keeps the new copy and the row count under FINAL does
// not change; OPTIMIZE ... FINAL then removes the old copies from disk, after
// which older keys can leave the ring. progress is called after each chunk.
//
// Run it while the pipeline runs or not: rows the pipeline writes meanwhile
// are already sealed with the active key.
func (s *Store) Reseal(ctx context.Context, r Resealer, active uint32, progress func(table string, done, total int)) (RotateStats, error) {
	var st RotateStats
	var err error
	if st.Analyses, err = s.resealAnalyses(ctx, r, active, progress); err != nil {
		return st, err
	}
	if st.Findings, err = s.resealFindings(ctx, r, active, progress); err != nil {
		return st, err
	}
	for _, t := range []string{"email_analysis", "findings"} {
		if err := s.conn.Exec(ctx, fmt.Sprintf("OPTIMIZE TABLE %s.%s FINAL", s.cfg.Database, t)); err != nil {
			return st, fmt.Errorf("optimize %s: %w", t, err)
		}
	}
	return st, nil
}

func (s *Store) count(ctx context.Context, q string, args ...any) (int, error) {
	var n uint64
	if err := s.conn.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, err
	}
	return int(n), nil
}

func (s *Store) resealAnalyses(ctx context.Context, r Resealer, active uint32, progress func(string, int, int)) (int, error) {
	where := fmt.Sprintf("key_version != %d AND key_version != 0", active)
	total, err := s.count(ctx, fmt.Sprintf("SELECT count() FROM %s.email_analysis FINAL WHERE %s", s.cfg.Database, where))
	if err != nil {
		return 0, fmt.Errorf("count rows to re-seal: %w", err)
	}
	done := 0
	for done < total {
		rows, err := s.conn.Query(ctx, fmt.Sprintf("SELECT %s FROM %s.email_analysis FINAL WHERE %s LIMIT %d",
			analysisColumns, s.cfg.Database, where, rotateChunk))
		if err != nil {
			return done, fmt.Errorf("read rows to re-seal: %w", err)
		}
		var batch []analysisRow
		for rows.Next() {
			var a analysisRow
			if err := rows.Scan(&a.eventID, &a.tenant, &a.gateway, &a.receivedAt, &a.processedAt, &a.senderDomain,
				&a.score, &a.action, &a.modelName, &a.modelVersion, &a.urlCount, &a.attachments, &a.findingCodes,
				&a.sender, &a.recipients, &a.subject, &a.ip, &a.keyVersion, &a.srcTopic, &a.srcPartition,
				&a.srcOffset, &a.ingestVersion); err != nil {
				rows.Close()
				return done, fmt.Errorf("read rows to re-seal: %w", err)
			}
			batch = append(batch, a)
		}
		rows.Close()
		if len(batch) == 0 {
			break // rows changed under us; nothing left at the old key
		}
		for i := range batch {
			a := &batch[i]
			for _, col := range []*string{&a.sender, &a.recipients, &a.subject, &a.ip} {
				if *col, err = reseal(r, *col); err != nil {
					return done, fmt.Errorf("event %s: %w", a.eventID, err)
				}
			}
			a.keyVersion = active
			a.ingestVersion = max(a.ingestVersion+1, uint64(time.Now().UnixNano()))
		}
		k := &Sink{store: s, analyses: batch, tokenPrefix: fmt.Sprintf("reseal-v%d-%d/", active, time.Now().UnixNano())}
		if err := k.insertAnalyses(ctx); err != nil {
			return done, err
		}
		done += len(batch)
		if progress != nil {
			progress("email_analysis", done, total)
		}
	}
	return done, nil
}

func (s *Store) resealFindings(ctx context.Context, r Resealer, active uint32, progress func(string, int, int)) (int, error) {
	where := fmt.Sprintf("detail_sealed != '' AND NOT startsWith(detail_sealed, 'v%d:')", active)
	total, err := s.count(ctx, fmt.Sprintf("SELECT count() FROM %s.findings FINAL WHERE %s", s.cfg.Database, where))
	if err != nil {
		return 0, fmt.Errorf("count findings to re-seal: %w", err)
	}
	done := 0
	for done < total {
		rows, err := s.conn.Query(ctx, fmt.Sprintf(`SELECT event_id, tenant, received_at, code, severity, detail_sealed,
			model_version, src_topic, src_partition, src_offset, ingest_version FROM %s.findings FINAL WHERE %s LIMIT %d`,
			s.cfg.Database, where, rotateChunk))
		if err != nil {
			return done, fmt.Errorf("read findings to re-seal: %w", err)
		}
		var batch []findingRow
		for rows.Next() {
			var f findingRow
			if err := rows.Scan(&f.eventID, &f.tenant, &f.receivedAt, &f.code, &f.severity, &f.detail,
				&f.modelVersion, &f.srcTopic, &f.srcPartition, &f.srcOffset, &f.ingestVersion); err != nil {
				rows.Close()
				return done, fmt.Errorf("read findings to re-seal: %w", err)
			}
			batch = append(batch, f)
		}
		rows.Close()
		if len(batch) == 0 {
			break
		}
		for i := range batch {
			f := &batch[i]
			if f.detail, err = reseal(r, f.detail); err != nil {
				return done, fmt.Errorf("finding %s/%s: %w", f.eventID, f.code, err)
			}
			f.ingestVersion = max(f.ingestVersion+1, uint64(time.Now().UnixNano()))
		}
		k := &Sink{store: s, findings: batch, tokenPrefix: fmt.Sprintf("reseal-v%d-%d/", active, time.Now().UnixNano())}
		if err := k.insertFindings(ctx); err != nil {
			return done, err
		}
		done += len(batch)
		if progress != nil {
			progress("findings", done, total)
		}
	}
	return done, nil
}

func reseal(r Resealer, sealed string) (string, error) {
	if sealed == "" || !strings.HasPrefix(sealed, "v") {
		return sealed, nil
	}
	plain, err := r.OpenString(sealed)
	if err != nil {
		return "", fmt.Errorf("open sealed value: %w", err)
	}
	return r.SealString(plain)
}
