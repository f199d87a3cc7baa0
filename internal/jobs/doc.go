// Package jobs is Faro's durable job queue: deliveries to rescue centres
// and escalations ("nobody acknowledged in 15 minutes") are rows in the
// jobs table, so they survive kill -9 and restarts.
//
// Guarantees (the same as riverqueue/river's, on our own table because
// Faro's SQLite store has one writer connection):
//
//   - A job is enqueued inside the caller's transaction: it exists if and
//     only if the change that caused it committed.
//   - A Handler (network side effects) runs at least once: a job is
//     claimed in one short transaction with a lease, the handler runs with
//     no transaction open, and a second short transaction records the
//     outcome. A worker that dies leaves a lease that expires; the job is
//     then claimed again.
//   - A TxHandler (database-only effects) runs exactly once in effect: its
//     writes commit in the same transaction that marks the job done, and
//     that transaction only commits while this worker still holds the
//     claim (the attempt number fences a worker whose lease was taken
//     over). A crash before the commit leaves no effect and the job is
//     retried.
//   - A CommitHandler is a Handler whose success has a database effect
//     (a delivery's status): the effect commits in the transaction that
//     marks the job done, fenced like a TxHandler's, so it happens once
//     per successful attempt that still holds the claim.
//   - Throughput: claims take many jobs at a time (up to 32 × Concurrency
//     wait, claimed, for a free worker) and finished Handler,
//     CommitHandler and GroupHandler jobs are marked done by group commit
//     (one transaction for every job that finished while the previous one
//     ran, or within a few milliseconds when busy). A GroupHandler kind
//     may also read what a claimed batch needs in one query (its
//     GroupPrepare) and record a group's results in one call (its
//     GroupCommit). The worker
//     does not wait for that commit; until it lands the job is still
//     running under its lease, so a crash meanwhile runs it again.
//   - On PostgreSQL several processes may run queues on one database:
//     FOR UPDATE SKIP LOCKED gives each due job to one claimer.
//
// Times in the table are Unix milliseconds.
package jobs
