package migrations

import (
	"context"

	"github.com/faro-project/faro/internal/store"
)

// escalationNames makes the escalation messages Faro ships name the case's
// kind and phase in the message's language ({{.KindName}}, {{.PhaseName}}:
// "Distress at sea, Distress", "Emergenza in mare, Fase di pericolo")
// instead of the case desk's codes ("sea, distress"). Only that exact
// piece of text is replaced, so a template an admin rewrote keeps its
// words; .Kind and .Phase still hold the codes for templates that compare
// them.
func escalationNames(ctx context.Context, tx *store.Tx) error {
	for _, sep := range []string{", ", "، "} {
		if _, err := tx.Exec(ctx, `UPDATE message_templates SET body = REPLACE(body, ?, ?) WHERE name = 'escalation'`,
			"({{.Kind}}"+sep+"{{.Phase}})", "({{.KindName}}"+sep+"{{.PhaseName}})"); err != nil {
			return err
		}
	}
	return nil
}
