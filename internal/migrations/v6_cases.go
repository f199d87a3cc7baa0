package migrations

import (
	"context"

	"github.com/faro-project/faro/internal/store"
)

// caseDesk: distress cases, raid reports, timelines, positions, handover notes (internal/casedesk).
// PLACEHOLDER: filled in by the owner of that package before this lands.
func caseDesk(ctx context.Context, tx *store.Tx) error {
	return nil
}
