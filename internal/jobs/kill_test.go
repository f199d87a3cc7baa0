package jobs

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// The kill test runs this test binary again as a child process that
// enqueues and runs jobs, SIGKILLs it at a chosen moment, restarts a
// fresh queue in the parent and checks that the escalation took effect
// exactly once and the delivery completed.
const (
	envChild = "FARO_JOBS_KILL_CHILD" // the child's mode
	envDSN   = "FARO_JOBS_KILL_DSN"
)

// Kill modes: when the parent kills the child.
const (
	killBeforeDue = "before-due" // jobs enqueued, escalation not yet due
	killMidRun    = "mid-run"    // a delivery Handler is running
	killInTx      = "in-tx"      // the escalation's TxHandler wrote, not committed
)

func TestKill(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dsns := map[string]func(testing.TB) string{"sqlite": storetest.SQLiteDSN}
	if os.Getenv(storetest.Env) != "" {
		dsns["postgres"] = storetest.PostgresDSN
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		newDSN, ok := dsns[engine]
		if !ok {
			continue
		}
		t.Run(engine, func(t *testing.T) {
			for _, mode := range []string{killBeforeDue, killMidRun, killInTx} {
				t.Run(mode, func(t *testing.T) { killAndRestart(t, newDSN(t), mode) })
			}
		})
	}
}

func killAndRestart(t *testing.T, dsn, mode string) {
	ctx := context.Background()
	openEffectsDB(t, dsn).Close()

	c := startChild(t, dsn, mode)
	expect := c.expect
	ids := expect("ENQUEUED")
	esc, _ := strconv.ParseInt(ids[0], 10, 64)
	del, _ := strconv.ParseInt(ids[1], 10, 64)
	switch mode {
	case killBeforeDue:
		time.Sleep(300 * time.Millisecond)
	case killMidRun:
		expect("RUNNING")
	case killInTx:
		expect("INTX")
	}
	c.kill()

	// Restart: a fresh handle and queue, as a restarted faro would have.
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := countEffects(t, db, esc); n != 0 {
		t.Fatalf("escalation took effect %d times before the kill", n)
	}
	q := New(db, quietLog())
	q.Poll = 50 * time.Millisecond
	deliveries := 0
	killHandlers(q, "", func() { deliveries++ })
	stop := start(t, q)
	waitState(t, q, esc, StateDone, 30*time.Second)
	s := waitState(t, q, del, StateDone, 30*time.Second)
	// Give a wrongly repeated run time to show itself.
	time.Sleep(300 * time.Millisecond)
	stop()
	if n := countEffects(t, db, esc); n != 1 {
		t.Fatalf("escalation took effect %d times", n)
	}
	if mode == killMidRun && (s.Attempts != 2 || deliveries != 1) {
		t.Fatalf("interrupted delivery: status %+v, %d runs after restart", s, deliveries)
	}
}

// child is a running child test process.
type child struct {
	t     *testing.T
	cmd   *exec.Cmd
	lines chan string
}

func startChild(t *testing.T, dsn, mode string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$")
	cmd.Env = append(append(os.Environ(), envChild+"="+mode, envDSN+"="+dsn), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, lines: make(chan string)}
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			c.lines <- s.Text()
		}
		close(c.lines)
	}()
	return c
}

// expect waits for the child's line starting with word and returns the
// rest of its words.
func (c *child) expect(word string) []string {
	c.t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("child exited before %s", word)
			}
			if f := strings.Fields(l); len(f) > 0 && f[0] == word {
				return f[1:]
			}
		case <-timeout:
			c.cmd.Process.Kill()
			c.t.Fatalf("child never said %s", word)
		}
	}
}

// kill sends SIGKILL and waits for the child to die of it.
func (c *child) kill() {
	c.t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		c.t.Fatal(err)
	}
	go func() {
		for range c.lines { // drain, so the child's pipe never blocks
		}
	}()
	if err := c.cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		c.t.Fatalf("child did not die by SIGKILL: %v", err)
	}
}

// killHandlers registers the escalation and delivery handlers; mode
// makes the child block where the parent kills it.
func killHandlers(q *Queue, mode string, delivered func()) {
	q.HandleTx("escalate", func(ctx context.Context, tx *store.Tx, j *Job) error {
		if _, err := tx.Exec(ctx, `INSERT INTO effects (job_id) VALUES (?)`, j.ID); err != nil {
			return err
		}
		if mode == killInTx {
			fmt.Println("INTX", j.ID)
			time.Sleep(time.Minute)
		}
		return nil
	})
	q.Handle("deliver", func(ctx context.Context, j *Job) error {
		if mode == killMidRun {
			fmt.Println("RUNNING", j.ID)
			time.Sleep(time.Minute)
		}
		delivered()
		return nil
	})
}

// TestKillChild is the child's side of TestKill; it does nothing unless
// run by it.
func TestKillChild(t *testing.T) {
	mode := os.Getenv(envChild)
	if mode == "" {
		t.Skip("child of TestKill only")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, os.Getenv(envDSN))
	if err != nil {
		t.Fatal(err)
	}
	if mode == killStorm {
		stormChild(t, db)
		return
	}
	if mode == killLocal {
		localChild(t, db)
		return
	}
	q := New(db, quietLog())
	q.Poll = 50 * time.Millisecond
	q.Lease = time.Second // so that the parent reclaims an interrupted job soon
	killHandlers(q, mode, func() {})
	escDue := 2 * time.Second
	if mode == killInTx {
		escDue = 200 * time.Millisecond
	}
	var esc, del int64
	err = db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if esc, err = q.Enqueue(ctx, tx, "escalate", deliveryArgs{1}, Options{RunAt: time.Now().Add(escDue), Key: "escalate:case:1"}); err != nil {
			return err
		}
		del, err = q.Enqueue(ctx, tx, "deliver", deliveryArgs{2}, Options{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("ENQUEUED", esc, del)
	q.Run(ctx) // until killed
}
