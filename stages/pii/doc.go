// Package pii finds personal data in text: email addresses, phone numbers,
// US social security numbers and payment card numbers, and masks them. It
// owns the detector (Detect, Kinds, Mask), used by the masking logger, and
// the pipeline stage "pii" (Stage).
//
// Detection favours precision on look-alikes that fill email: dates
// (2024-01-15, 12/31/2024), times, version strings and IP addresses, order
// numbers ("Order #123456789"), tracking ids (1Z999AA10123456784), ISBNs and
// Luhn-failing digit runs are not matched. Rules:
//
//   - email: local@domain.tld with a letters-only TLD of 2+ characters;
//   - phone: "+" and 8-15 digits (E.164, separators allowed); North American
//     (415) 555-2671, 415-555-2671, 415.555.2671, 1-800-555-0199 with valid
//     area and exchange codes; national numbers with a trunk 0 and 10-11
//     digits in groups, e.g. 020 7946 0958. Bare digit runs without "+" are
//     not phones;
//   - SSN: ddd-dd-dddd with area not 000, 666 or 900-999, group not 00 and
//     serial not 0000;
//   - card: 13-19 digits, contiguous or in groups split by one kind of
//     separator (space or dash), passing Luhn and starting with a known
//     issuer prefix (Visa, Mastercard, Amex, Discover, Diners, JCB,
//     UnionPay, Maestro).
//
// How: no regular expressions run. One pass jumps from '@' to '@' and
// matches the address around each; another jumps from digit to digit and,
// in each run of digits and phone punctuation holding seven digits or more,
// runs small hand-written matchers only where a cheap test on the byte and
// the digit-run length allows a match. Text without '@' and with fewer than
// seven digits in a row costs one byte scan (about 1 ns/byte). The matchers
// keep the leftmost-first, greedy semantics of the regular expressions they
// replaced: ref_test.go keeps that implementation and the differential
// tests (TestDetectMatchesReference, FuzzDetectDifferential) require equal
// results.
//
// Every function is pure and safe for concurrent use. Work is linear in the
// input and Detect allocates only its result; callers cap what they scan.
//
// Stage scans a message's content, never its headers (every message has
// From and To addresses): the subject (Analysis.Subject, or else the
// decoded Subject header) and the text of its text/plain and text/html
// parts, transfer encoding (quoted-printable, base64) decoded and HTML
// crudely reduced to text (tags, scripts, styles and comments dropped,
// entities decoded). Attachments (Content-Disposition: attachment), other
// media types and forwarded message/rfc822 parts are skipped; charsets are
// not converted (the patterns are ASCII). The walk is bounded by
// StageConfig: MaxScanBytes of decoded text, MaxParts parts, MaxDepth
// nested multiparts; malformed MIME ends it early, keeping the text found,
// and is never an error. The finding "pii_present" (Severity 0,
// informational) names the kinds found, never the values. Process does not
// block and is safe for concurrent use.
package pii
