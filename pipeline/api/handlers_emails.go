package api

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/phishx/phishx/schemas"
)

// Headers of POST /v1/emails; the body is the raw RFC 822 message.
const (
	HeaderTenant       = "X-PhishX-Tenant"
	HeaderEnvelopeFrom = "X-PhishX-Envelope-From"
	HeaderEnvelopeTo   = "X-PhishX-Envelope-To" // comma-separated
	HeaderClientIP     = "X-PhishX-Client-IP"
)

// SubmitResponse is the answer to POST /v1/emails.
type SubmitResponse struct {
	EventID string `json:"event_id"`
}

func (s *Server) handleSubmitEmail(w http.ResponseWriter, r *http.Request, p *principal) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxEmailBytes)
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, "message too large")
			return
		}
		writeError(w, http.StatusBadRequest, CodeBadRequest, "could not read the message")
		return
	}
	tenant := strings.TrimSpace(r.Header.Get(HeaderTenant))
	if len(raw) == 0 || tenant == "" || len(tenant) > 128 {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "a non-empty message body and an "+HeaderTenant+" header (at most 128 bytes) are required")
		return
	}
	var to []string
	for _, t := range strings.Split(r.Header.Get(HeaderEnvelopeTo), ",") {
		if t = strings.TrimSpace(t); t != "" {
			to = append(to, t)
		}
	}
	ev := &schemas.EmailEvent{
		EventID: uuid.NewString(), Tenant: tenant, Gateway: p.UserID, ReceivedAt: s.now().UTC().Truncate(1e6),
		EnvelopeFrom: strings.TrimSpace(r.Header.Get(HeaderEnvelopeFrom)), EnvelopeTo: to,
		ClientIP: strings.TrimSpace(r.Header.Get(HeaderClientIP)), RawMessage: raw,
	}
	key := schemas.PartitionKey(ev) // the same key gateways use, from the plaintext sender
	sealed, err := s.d.Sealer.Seal(ev)
	if err != nil {
		writeError(w, http.StatusInternalServerError, CodeInternal, "could not encrypt the message")
		return
	}
	val, err := s.d.Encoder.EncodeEvent(sealed)
	switch {
	case errors.Is(err, schemas.ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, "message too large")
		return
	case errors.Is(err, schemas.ErrInvalid):
		writeError(w, http.StatusBadRequest, CodeBadRequest, "invalid event: "+invalidReason(err))
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, CodeInternal, "could not encode the event")
		return
	}
	if err := s.d.Producer.ProduceEvent(ctx, []byte(key), val); err != nil {
		s.audit(ctx, Event{Actor: p.UserID, ActorRole: string(p.Role), Action: ActEmailSubmit, Target: ev.EventID,
			Outcome: OutcomeError, Reason: "produce", RequestID: p.RequestID, IP: p.IP})
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "could not queue the message")
		return
	}
	s.audit(ctx, Event{Actor: p.UserID, ActorRole: string(p.Role), Action: ActEmailSubmit, Target: ev.EventID,
		Outcome: OutcomeSuccess, RequestID: p.RequestID, IP: p.IP})
	writeJSON(w, http.StatusAccepted, SubmitResponse{EventID: ev.EventID})
}

// invalidReason is the schema's own short reason (it never quotes PII).
func invalidReason(err error) string {
	var de *schemas.DecodeError
	if errors.As(err, &de) {
		return de.Reason
	}
	return "rejected by the schema"
}
