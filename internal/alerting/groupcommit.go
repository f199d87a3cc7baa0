package alerting

import (
	"context"
	"errors"

	"github.com/faro-project/faro/internal/store"
)

// Delivery outcomes are written by group commit. Sixteen workers finishing
// sends at once would otherwise queue for SQLite's single writer, one
// short transaction each (with its audit entry); here whoever arrives
// while a transaction runs goes into the next one. Deliver still returns
// only once its outcome is committed, so a job is never marked done with
// its delivery's status unwritten.

type outcome struct {
	apply func(*store.Tx) error
	done  chan error
}

// maxGroup bounds one group's transaction.
const maxGroup = 256

// record runs apply in a transaction shared with other outcomes and waits
// for it to commit.
func (s *Service) record(ctx context.Context, apply func(*store.Tx) error) error {
	s.groupOnce.Do(func() {
		s.outcomes = make(chan *outcome, maxGroup)
		go s.groupCommit()
	})
	o := &outcome{apply: apply, done: make(chan error, 1)}
	select {
	case s.outcomes <- o:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) groupCommit() {
	ctx := context.Background()
	for o := range s.outcomes {
		group := []*outcome{o}
	drain:
		for len(group) < maxGroup {
			select {
			case o := <-s.outcomes:
				group = append(group, o)
			default:
				break drain
			}
		}
		err := s.DB.InTx(ctx, func(tx *store.Tx) error {
			var errs []error
			for _, o := range group {
				errs = append(errs, o.apply(tx))
			}
			return errors.Join(errs...)
		})
		if err == nil || len(group) == 1 {
			for _, o := range group {
				o.done <- err
			}
			continue
		}
		// One bad outcome must not fail the others: each on its own.
		for _, o := range group {
			o.done <- s.DB.InTx(ctx, func(tx *store.Tx) error { return o.apply(tx) })
		}
	}
}
