package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// openGroupTest opens a fresh SQLite database with one table of notes.
func openGroupTest(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(ctx, "CREATE TABLE notes (k TEXT PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	return db
}

func noteExists(t *testing.T, db *DB, k string) bool {
	t.Helper()
	var v string
	err := db.QueryRow(context.Background(), "SELECT v FROM notes WHERE k = ?", k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// holdWriter starts a transaction that waits until release is closed, and
// returns once it runs, so that the calls made next queue up behind it.
func holdWriter(t *testing.T, db *DB) (release func(), done <-chan error) {
	t.Helper()
	started, hold := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- db.InTx(context.Background(), func(tx *Tx) error {
			close(started)
			<-hold
			_, err := tx.Exec(context.Background(), "INSERT INTO notes (k, v) VALUES (?, ?)", "holder", "x")
			return err
		})
	}()
	<-started
	return func() { close(hold) }, errc
}

// waitQueued waits until n callers wait for the writer.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		db.group.mu.Lock()
		q := len(db.group.queue)
		db.group.mu.Unlock()
		if q >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d callers queued, want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommitKeepsEachCallersOutcome queues callers behind a held
// writer so that they share one transaction, and checks that each still
// gets exactly its own outcome: the failing one's row is absent and it
// gets its error, the panicking one panics on its own goroutine, the one
// whose context ended gets that, and every other row is stored with its
// AfterCommit hook run once.
func TestGroupCommitKeepsEachCallersOutcome(t *testing.T) {
	db := openGroupTest(t)
	release, holder := holdWriter(t, db)

	mine := errors.New("changed my mind")
	const n = 8
	type outcome struct {
		err      error
		panicked any
		hooks    int32
		tx       *sql.Tx
	}
	out := make([]outcome, n)
	cancelled, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		ctx := context.Background()
		if i == 5 {
			ctx = cancelled
		}
		go func() {
			defer wg.Done()
			defer func() { out[i].panicked = recover() }()
			out[i].err = db.InTx(ctx, func(tx *Tx) error {
				out[i].tx = tx.tx
				tx.AfterCommit(func() { atomic.AddInt32(&out[i].hooks, 1) })
				if _, err := tx.Exec(ctx, "INSERT INTO notes (k, v) VALUES (?, ?)", fmt.Sprint("k", i), "v"); err != nil {
					return err
				}
				switch i {
				case 2:
					return mine
				case 4:
					panic("boom")
				}
				return nil
			})
		}()
		waitQueued(t, db, i+1)
	}
	cancel()
	release()
	wg.Wait()
	if err := <-holder; err != nil {
		t.Fatalf("holder: %v", err)
	}

	var shared *sql.Tx
	for i, o := range out {
		switch i {
		case 2:
			if !errors.Is(o.err, mine) || o.panicked != nil {
				t.Errorf("caller %d: err %v, panic %v; want its own error", i, o.err, o.panicked)
			}
		case 4:
			if o.panicked != "boom" {
				t.Errorf("caller %d: panic %v, err %v; want its own panic", i, o.panicked, o.err)
			}
		case 5:
			if !errors.Is(o.err, context.Canceled) {
				t.Errorf("caller %d: err %v; want context.Canceled", i, o.err)
			}
		default:
			if o.err != nil || o.panicked != nil {
				t.Errorf("caller %d: err %v, panic %v", i, o.err, o.panicked)
			}
		}
		stored, ok := noteExists(t, db, fmt.Sprint("k", i)), o.err == nil && o.panicked == nil
		if stored != ok {
			t.Errorf("caller %d: row stored %v, want %v", i, stored, ok)
		}
		if want := map[bool]int32{true: 1, false: 0}[ok]; o.hooks != want {
			t.Errorf("caller %d: AfterCommit ran %d times, want %d", i, o.hooks, want)
		}
		if o.tx != nil {
			if shared == nil {
				shared = o.tx
			} else if o.tx != shared {
				t.Errorf("caller %d ran in another transaction: the queued callers were not merged", i)
			}
		}
	}
	if !noteExists(t, db, "holder") {
		t.Error("the holder's row is missing")
	}
}

// TestGroupCommitAbortedTransaction: when SQLite rolls back the whole
// shared transaction because of one caller, the callers whose writes went
// with it get an error instead of a false success.
func TestGroupCommitAbortedTransaction(t *testing.T) {
	db := openGroupTest(t)
	release, holder := holdWriter(t, db)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.InTx(context.Background(), func(tx *Tx) error {
				if _, err := tx.Exec(context.Background(), "INSERT INTO notes (k, v) VALUES (?, ?)", fmt.Sprint("a", i), "v"); err != nil {
					return err
				}
				if i == 1 {
					// Ends the transaction behind the savepoints' back, as
					// an I/O error or a full disk would.
					if _, err := tx.tx.Exec("ROLLBACK"); err != nil {
						return err
					}
					return errors.New("disk gone")
				}
				return nil
			})
		}()
		waitQueued(t, db, i+1)
	}
	release()
	wg.Wait()
	if err := <-holder; err != nil {
		t.Fatalf("holder: %v", err)
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("caller %d succeeded, but its row was rolled back", i)
		}
		if noteExists(t, db, fmt.Sprint("a", i)) {
			t.Errorf("caller %d: row stored after the rollback", i)
		}
	}
}

// TestGroupCommitRowsLeftOpen: a caller whose fn leaves the rows of an
// INSERT … RETURNING open (or panics while reading them) does not fail
// the callers it shares a transaction with: each fn runs once, the
// others' rows are stored, and the panicking caller's are not.
func TestGroupCommitRowsLeftOpen(t *testing.T) {
	db := openGroupTest(t)
	release, holder := holdWriter(t, db)
	errs, panics := make([]error, 3), make([]any, 3)
	var runs [3]int32
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			errs[i] = db.InTx(context.Background(), func(tx *Tx) error {
				atomic.AddInt32(&runs[i], 1)
				rows, err := tx.Query(context.Background(), "INSERT INTO notes (k, v) VALUES (?, ?), (?, ?) RETURNING k",
					fmt.Sprint("r", i), "v", fmt.Sprint("rx", i), "v")
				if err != nil {
					return err
				}
				switch i {
				case 0:
					return nil // rows never read nor closed
				case 1:
					rows.Next()
					panic("boom")
				}
				for rows.Next() {
				}
				rows.Close()
				return rows.Err()
			})
		}()
		waitQueued(t, db, i+1)
	}
	release()
	wg.Wait()
	if err := <-holder; err != nil {
		t.Fatalf("holder: %v", err)
	}
	for i, want := range []bool{true, false, true} {
		if runs[i] != 1 {
			t.Errorf("caller %d: fn ran %d times", i, runs[i])
		}
		if got := noteExists(t, db, fmt.Sprint("r", i)); got != want {
			t.Errorf("caller %d: row stored %v, want %v (err %v, panic %v)", i, got, want, errs[i], panics[i])
		}
	}
	if panics[1] != "boom" || errs[0] != nil || errs[2] != nil {
		t.Errorf("outcomes: errs %v panics %v", errs, panics)
	}
}

// TestGroupCommitQueuedCallerLeaves: a caller still waiting for the
// writer gives up when its context ends, as it could when it waited for
// the writer's connection, and writes nothing. (The writer is held until
// the caller has returned: a caller that did not leave would hang here.)
func TestGroupCommitQueuedCallerLeaves(t *testing.T) {
	db := openGroupTest(t)
	release, holder := holdWriter(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO notes (k, v) VALUES ('late', 'v')")
		return err
	})
	release()
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}
	if noteExists(t, db, "late") {
		t.Error("the caller that left wrote its row")
	}
	// The writer still works for the next caller.
	if err := db.InTx(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec(context.Background(), "INSERT INTO notes (k, v) VALUES ('next', 'v')")
		return err
	}); err != nil || !noteExists(t, db, "next") {
		t.Errorf("next caller: %v", err)
	}
}
