// Package pii finds personal data in text: email addresses, phone numbers,
// US social security numbers and payment card numbers, and masks them.
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
// Every function is pure and safe for concurrent use. Work is linear in the
// input (RE2 regular expressions plus bounded checks); callers cap what
// they scan. Stage is the pipeline stage "pii", which records a finding
// naming the kinds found, never the values.
package pii
