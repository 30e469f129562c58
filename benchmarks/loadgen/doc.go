// Package loadgen makes synthetic email traffic for `phishx produce
// --synthetic` and the end-to-end benchmarks, and turns .eml files into
// events.
//
// # What it owns
//
// A Generator (New, DefaultConfig, Config.Validate) makes
// *schemas.EmailEvent values whose RawMessage is a syntactically valid RFC
// 822/MIME message with CRLF line ends: plain text, multipart/alternative,
// HTML-only, sometimes with a base64 attachment (PDF-like blob, stored ZIP,
// HTML form page), quoted-printable or base64 text, RFC 2047 subjects and
// display names, English, German, Dutch and Portuguese. Ham is newsletters,
// invoices, meeting notes, shipping notices and replies from fictional
// companies on RFC 2606 domains. Phish is credential harvesting, parcel-fee
// scams, malicious attachments, business e-mail compromise and shared-file
// lures, with look-alike and punycode hosts under .example, IP-literal
// links, URL shorteners, free hosting and form services, deceptive link
// texts, Reply-To unlike From and display-name spoofing. Real brand names
// appear only where phish impersonates them. Client addresses come from the
// documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
// 2001:db8::/32). Sizes are log-normal, median ~2.5 KB and p90 ~10 KB, with
// a few 50-100 KB messages.
//
// Output is deterministic: the same Config (seed included) and the same
// sequence of Clock readings give the same events, byte for byte, event ids
// included (UUID v4 drawn from the seeded source). NextLabeled also reports
// whether a message is phish, for tests and evaluation.
//
// ReadEML, WalkEML and (*Generator).FromEML read .eml files (one file or a
// tree such as the corpus's phish/ and ham/ folders) with a per-file size
// limit (DefaultMaxEMLSize) and build events from their headers, tolerating
// garbage. LabelFromPath reads a corpus label from a file's folder.
//
// Pacer paces a producer to N events a second with
// golang.org/x/time/rate, taking tokens in ~10 ms chunks so high rates do
// not arm a timer per event.
//
// # Blocking and concurrency
//
// Nothing here starts goroutines. Generator methods never block (they call
// Config.Clock); Pacer.Wait blocks until its rate allows or its context is
// done; the .eml helpers block on the file system. A Generator and a Pacer
// are not safe for concurrent use: make one per goroutine (give generators
// different seeds). The package has no mutable globals, so different
// values may be used from different goroutines freely. Events returned are
// owned by the caller; the generator keeps no reference to them.
//
// Generating is cheap (well over 50k events/s on one core, see
// BenchmarkNext) so it does not bottleneck a benchmark.
package loadgen
