package auth

import (
	"crypto"
	"errors"
)

func newAsymForTest(alg string, k any) (*KeySet, error) {
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("not a signer")
	}
	return NewAsymmetricKeySet(alg, s)
}
