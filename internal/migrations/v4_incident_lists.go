package migrations

import (
	"context"

	"github.com/faro-project/faro/internal/store"
)

// incidentListIndexes: composite indexes and keyset pagination support for incident lists (issue 4 performance).
// PLACEHOLDER: filled in by the owner of that package before this lands.
func incidentListIndexes(ctx context.Context, tx *store.Tx) error {
	return nil
}
