package jobs

import (
	"context"

	"github.com/faro-project/faro/internal/store"
)

// A kind of job that runs in large numbers at once — one alert fanned out
// to thousands of responders — pays per job for what could be done once
// per batch: reading what each job works on, and recording each success.
// HandleGroup registers such a kind.

// GroupHandler is a CommitHandler whose success is a value (result) rather
// than a function: the kind's GroupCommit records the results of every job
// of the kind in one group commit together, in one call. A nil result
// records nothing. An error retries with backoff as for a Handler.
type GroupHandler func(ctx context.Context, j *Job) (result any, err error)

// GroupCommit records, in the transaction that marks the jobs done, the
// results of those of them that are still ours (fenced as for a
// CommitHandler's effect: a job whose lease was taken over is left out).
// It follows TxHandler's rules (no other transaction, no network I/O). If
// it fails, each job of the group is committed again on its own, so one
// bad result does not fail the others: it must then work for one result.
type GroupCommit func(ctx context.Context, tx *store.Tx, results []any) error

// GroupPrepare, when given, sees each batch of jobs of the kind as Run
// claims them, before any of them runs (for instance, to read what they
// all need in one query). It runs on Run's own goroutine: it should be
// short, and a job must still work if its preparation is missing (a job
// claimed by an earlier Run, a failed read).
type GroupPrepare func(ctx context.Context, js []*Job)

type groupKind struct {
	prepare GroupPrepare
	handle  GroupHandler
	commit  GroupCommit
}

// HandleGroup registers the handler of jobs of kind whose results are
// recorded together; prepare may be nil.
func (q *Queue) HandleGroup(kind string, prepare GroupPrepare, h GroupHandler, commit GroupCommit) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.mustBeNew(kind)
	q.groups[kind] = &groupKind{prepare: prepare, handle: h, commit: commit}
}

// prepareClaimed hands each group kind's share of a claim to its prepare.
func (q *Queue) prepareClaimed(ctx context.Context, js []*Job) {
	if len(js) == 0 {
		return
	}
	q.mu.Lock()
	groups := q.groups
	q.mu.Unlock()
	if len(groups) == 0 {
		return
	}
	byKind := map[string][]*Job{}
	for _, j := range js {
		if g := groups[j.Kind]; g != nil && g.prepare != nil {
			byKind[j.Kind] = append(byKind[j.Kind], j)
		}
	}
	for kind, kjs := range byKind {
		callPrepare(ctx, groups[kind].prepare, kjs)
	}
}

func callPrepare(ctx context.Context, p GroupPrepare, js []*Job) {
	defer func() { recover() }() // a preparation is an optimisation: jobs work without it
	p(ctx, js)
}

func callGroupCommit(ctx context.Context, tx *store.Tx, c GroupCommit, results []any) (err error) {
	defer recoverTo(&err)
	return c(ctx, tx, results)
}
