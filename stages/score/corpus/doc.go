// Package corpus reads a labelled email corpus laid out as DIR/phish/*.eml
// and DIR/ham/*.eml (the layout of ../shared/corpus) for training,
// evaluation and tests.
//
// Load returns examples in a fixed order (sorted by relative path) so that
// everything computed from them is deterministic. Checksum identifies a
// corpus by the sha256 of its files and their labels, independent of file
// names and read order. Locate finds the shared corpus next to the
// repository for tests. All functions are safe for concurrent use; Load
// blocks on file I/O only.
package corpus
