package score

import (
	"bytes"
	_ "embed"
)

// EmbeddedModelFile is the shipped model's path inside this package.
const EmbeddedModelFile = "models/phishx-lr-2.json.gz"

//go:embed models/phishx-lr-2.json.gz
var embeddedModel []byte

// Embedded loads the shipped production model. Each call decodes a fresh
// copy (about 10 ms); load it once and share it.
func Embedded() (*LogReg, error) {
	return LoadLogReg(bytes.NewReader(embeddedModel), "embedded "+EmbeddedModelFile)
}
