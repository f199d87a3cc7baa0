package migrations

import (
	"context"
	"fmt"

	"github.com/faro-project/faro/internal/store"
)

// publication: the public dataset. public_records holds only what may be
// shown to anyone: Faro's own verified records after coarsening and
// suppression, and rows imported from sources that already published them
// (the IOM Missing Migrants Project), as that source published them. Being
// public by construction, it is stored in the clear and the public site
// and open data read nothing else.
//
// An incident may carry one public text, written and approved by a
// reviewer, published only under "public with name" consent. It is
// encrypted like the narrative until the publication rules open it.
func publication(ctx context.Context, tx *store.Tx) error {
	id, blob := tx.Types()
	return store.ExecAll(ctx, tx,
		fmt.Sprintf(`CREATE TABLE public_records (
			id %s,
			source TEXT NOT NULL,
			source_id TEXT NOT NULL,
			type TEXT NOT NULL DEFAULT '',
			occurred_on TEXT NOT NULL DEFAULT '',
			date_precision TEXT NOT NULL DEFAULT '',
			year INTEGER NOT NULL DEFAULT 0,
			month INTEGER NOT NULL DEFAULT 0,
			lat DOUBLE PRECISION,
			lon DOUBLE PRECISION,
			place TEXT NOT NULL DEFAULT '',
			country TEXT NOT NULL DEFAULT '',
			region TEXT NOT NULL DEFAULT '',
			route TEXT NOT NULL DEFAULT '',
			cause TEXT NOT NULL DEFAULT '',
			dead INTEGER,
			missing INTEGER,
			dead_and_missing INTEGER,
			survivors INTEGER,
			females INTEGER,
			males INTEGER,
			minors INTEGER,
			origins TEXT NOT NULL DEFAULT '',
			suppressed TEXT NOT NULL DEFAULT '',
			summary TEXT NOT NULL DEFAULT '',
			attribution TEXT NOT NULL DEFAULT '',
			licence TEXT NOT NULL DEFAULT '',
			url TEXT NOT NULL DEFAULT '',
			raw TEXT NOT NULL DEFAULT '',
			updated_at BIGINT NOT NULL,
			UNIQUE (source, source_id))`, id),
		`CREATE INDEX public_records_when ON public_records (year, month)`,
		`CREATE INDEX public_records_type ON public_records (type, year)`,
		`CREATE INDEX public_records_route ON public_records (route, year)`,
		fmt.Sprintf(`ALTER TABLE incidents ADD COLUMN public_text %s`, blob),
		`ALTER TABLE incidents ADD COLUMN public_text_approved_by BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE incidents ADD COLUMN public_text_approved_at BIGINT NOT NULL DEFAULT 0`,
	)
}
