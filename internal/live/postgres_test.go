package live_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/live"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

// uniqueTopic keeps tests apart: notifications are per database, so other
// test runs on the same server hear the same channel.
func uniqueTopic(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// twoHandles opens the same PostgreSQL database twice, as two faro
// processes would.
func twoHandles(t *testing.T) (*store.DB, *store.DB) {
	t.Helper()
	if os.Getenv(storetest.Env) == "" {
		t.Skip(storetest.Env + " not set")
	}
	dsn := storetest.PostgresDSN(t)
	var dbs [2]*store.DB
	for i := range dbs {
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs[0], dbs[1]
}

func runBroker(t *testing.T, db *store.DB) *live.Postgres {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := live.NewPostgres(db, nil)
	done := make(chan struct{})
	go func() { defer close(done); b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; b.Close() })
	select {
	case <-b.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("listener not ready")
	}
	return b
}

func TestPostgresAcrossProcesses(t *testing.T) {
	dbA, dbB := twoHandles(t)
	a, b := runBroker(t, dbA), runBroker(t, dbB)
	topic := uniqueTopic("board")
	onA, stopA := a.Subscribe(topic)
	defer stopA()
	onB, stopB := b.Subscribe(topic)
	defer stopB()
	other, stopOther := b.Subscribe(uniqueTopic("other"))
	defer stopOther()

	if err := a.Publish(context.Background(), topic, "case:7:v2\nline two"); err != nil {
		t.Fatal(err)
	}
	want := live.Event{Topic: topic, Data: "case:7:v2\nline two"}
	if e := recv(t, onB); e != want {
		t.Errorf("other process got %+v", e)
	}
	if e := recv(t, onA); e != want {
		t.Errorf("publishing process got %+v", e)
	}
	none(t, other)
}

// When the listening connection dies, the broker reconnects and tells
// every subscriber to refetch, then delivers events again.
func TestPostgresReconnectSendsResync(t *testing.T) {
	defer live.SetTimings(15*time.Second, 20*time.Millisecond)()
	dbA, dbB := twoHandles(t)
	a := runBroker(t, dbA)
	topic := uniqueTopic("board")
	ch, stop := a.Subscribe(topic)
	defer stop()

	pid := a.ListenerPID()
	var killed bool
	if err := dbB.QueryRow(context.Background(), "SELECT pg_terminate_backend(?)", int64(pid)).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate listener: %v %v", killed, err)
	}
	if e := recv(t, ch); e != live.Resync {
		t.Fatalf("after reconnect got %+v, want Resync", e)
	}
	if a.ListenerPID() == pid {
		t.Error("listener did not reconnect")
	}
	if err := live.NewPostgres(dbB, nil).Publish(context.Background(), topic, "after"); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, ch); e.Data != "after" {
		t.Errorf("after reconnect got %+v", e)
	}
}
