package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/phishx/phishx/pipeline/api/auth"
)

// VerdictView is a verdict as returned over HTTP. Sender and Subject are
// present only with include_pii=true and the pii:read scope.
type VerdictView struct {
	EventID      string        `json:"event_id"`
	Tenant       string        `json:"tenant"`
	Gateway      string        `json:"gateway"`
	ReceivedAt   time.Time     `json:"received_at"`
	ProcessedAt  time.Time     `json:"processed_at"`
	SenderDomain string        `json:"sender_domain"`
	Score        float64       `json:"score"`
	Action       string        `json:"action"`
	ModelName    string        `json:"model_name"`
	ModelVersion string        `json:"model_version"`
	FindingCodes []string      `json:"finding_codes"`
	Findings     []FindingView `json:"findings,omitempty"`
	Sender       *string       `json:"sender,omitempty"`
	Subject      *string       `json:"subject,omitempty"`
}

// FindingView is one finding; Detail needs pii:read like Sender.
type FindingView struct {
	Code     string  `json:"code"`
	Severity string  `json:"severity"`
	Detail   *string `json:"detail,omitempty"`
}

// wantPII decides whether a request gets decrypted PII: it must ask and
// hold pii:read. Asking without the scope is a 403, not a silent downgrade.
func (s *Server) wantPII(w http.ResponseWriter, r *http.Request, p *principal) (bool, bool) {
	if r.URL.Query().Get("include_pii") != "true" {
		return false, true
	}
	if !p.has(auth.ScopePIIRead) {
		s.audit(r.Context(), Event{Actor: p.UserID, ActorRole: string(p.Role), Action: ActAccessDenied, Target: r.URL.Path,
			Outcome: OutcomeDenied, Reason: "missing pii:read", RequestID: p.RequestID, IP: p.IP})
		writeError(w, http.StatusForbidden, CodeForbidden, "requires pii:read")
		return false, false
	}
	return true, true
}

func (s *Server) open(sealed string) *string {
	if sealed == "" {
		return nil
	}
	b, err := s.d.Sealer.OpenString(sealed)
	if err != nil {
		msg := "[undecryptable]"
		return &msg
	}
	v := string(b)
	return &v
}

func (s *Server) view(v Verdict, pii bool) VerdictView {
	out := VerdictView{EventID: v.EventID, Tenant: v.Tenant, Gateway: v.Gateway, ReceivedAt: v.ReceivedAt, ProcessedAt: v.ProcessedAt,
		SenderDomain: v.SenderDomain, Score: v.Score, Action: v.Action, ModelName: v.ModelName, ModelVersion: v.ModelVersion,
		FindingCodes: v.FindingCodes}
	if out.FindingCodes == nil {
		out.FindingCodes = []string{}
	}
	for _, f := range v.Findings {
		fv := FindingView{Code: f.Code, Severity: f.Severity}
		if pii {
			fv.Detail = s.open(f.DetailSealed)
		}
		out.Findings = append(out.Findings, fv)
	}
	if pii {
		out.Sender, out.Subject = s.open(v.SenderSealed), s.open(v.SubjectSealed)
	}
	return out
}

func (s *Server) handleVerdict(w http.ResponseWriter, r *http.Request, p *principal) {
	id := r.PathValue("event_id")
	if id == "" || len(id) > 128 {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "bad event id")
		return
	}
	pii, ok := s.wantPII(w, r, p)
	if !ok {
		return
	}
	v, err := s.d.Verdicts.Verdict(r.Context(), id)
	switch {
	case errors.Is(err, ErrVerdictNotFound):
		writeError(w, http.StatusNotFound, CodeNotFound, "no verdict for that event id")
		return
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "verdict store unavailable")
		return
	}
	if pii {
		s.audit(r.Context(), Event{Actor: p.UserID, ActorRole: string(p.Role), Action: ActPIIRead, Target: id, Outcome: OutcomeSuccess,
			RequestID: p.RequestID, IP: p.IP})
	}
	writeJSON(w, http.StatusOK, s.view(v, pii))
}

func (s *Server) limit(q url.Values) (int, bool) {
	l := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, false
		}
		l = n
	}
	return min(l, s.cfg.MaxListLimit), true
}

func parseSince(q url.Values) (time.Time, bool) {
	v := q.Get("since")
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}

func (s *Server) handleVerdicts(w http.ResponseWriter, r *http.Request, p *principal) {
	q := r.URL.Query()
	lim, ok1 := s.limit(q)
	since, ok2 := parseSince(q)
	var minScore float64
	ok3 := true
	if v := q.Get("min_score"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		minScore, ok3 = f, err == nil && f >= 0 && f <= 1
	}
	if !ok1 || !ok2 || !ok3 || len(q.Get("tenant")) > 128 || len(q.Get("action")) > 32 {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "bad filter: limit >= 1, since RFC 3339, min_score in [0,1]")
		return
	}
	pii, ok := s.wantPII(w, r, p)
	if !ok {
		return
	}
	vs, err := s.d.Verdicts.Verdicts(r.Context(), VerdictFilter{Tenant: q.Get("tenant"), Action: q.Get("action"), MinScore: minScore, Since: since, Limit: lim})
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "verdict store unavailable")
		return
	}
	out := make([]VerdictView, 0, len(vs))
	for _, v := range vs {
		out = append(out, s.view(v, pii))
	}
	if pii {
		s.audit(r.Context(), Event{Actor: p.UserID, ActorRole: string(p.Role), Action: ActPIIRead, Target: "verdicts", Outcome: OutcomeSuccess,
			RequestID: p.RequestID, IP: p.IP, Detail: map[string]any{"rows": len(out)}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"verdicts": out})
}

// AuditView is an audit row over HTTP; IP and Detail need pii:read.
type AuditView struct {
	AuditRecord
	IP     *string         `json:"ip,omitempty"`
	Detail json.RawMessage `json:"detail,omitempty"`
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, p *principal) {
	q := r.URL.Query()
	lim, ok1 := s.limit(q)
	since, ok2 := parseSince(q)
	if !ok1 || !ok2 || len(q.Get("actor")) > 64 || len(q.Get("action")) > 64 || len(q.Get("outcome")) > 16 {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "bad filter: limit >= 1, since RFC 3339")
		return
	}
	pii, ok := s.wantPII(w, r, p)
	if !ok {
		return
	}
	recs, err := s.d.Audit.QueryAudit(r.Context(), AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), Outcome: q.Get("outcome"), Since: since, Limit: lim})
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "audit store unavailable")
		return
	}
	out := make([]AuditView, 0, len(recs))
	for _, rec := range recs {
		v := AuditView{AuditRecord: rec}
		if pii {
			v.IP = s.open(rec.IPSealed)
			if d := s.open(rec.DetailSealed); d != nil && json.Valid([]byte(*d)) {
				v.Detail = json.RawMessage(*d)
			}
		}
		out = append(out, v)
	}
	act := ActAuditRead
	if pii {
		act = ActPIIRead
	}
	s.audit(r.Context(), Event{Actor: p.UserID, ActorRole: string(p.Role), Action: act, Target: "audit", Outcome: OutcomeSuccess,
		RequestID: p.RequestID, IP: p.IP, Detail: map[string]any{"rows": len(out)}})
	writeJSON(w, http.StatusOK, map[string]any{"records": out})
}
