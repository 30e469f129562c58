package schemas

import "strings"

// PartitionKey is the Kafka key every producer of email events uses:
// tenant and sender domain, so all mail of one sender lands on one
// partition, where the per-sender anomaly windows live. The domain is not
// PII; the full address is. Compute it from the plaintext event, before
// sealing.
func PartitionKey(ev *EmailEvent) string {
	return ev.Tenant + "/" + SenderDomain(ev.EnvelopeFrom)
}

// SenderDomain returns the lower-cased domain of an address, or "" for one
// without '@' (a sealed value has none).
func SenderDomain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || at == len(addr)-1 {
		return ""
	}
	return strings.ToLower(strings.TrimRight(addr[at+1:], ">. "))
}
