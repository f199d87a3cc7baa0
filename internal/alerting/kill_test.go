package alerting_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/alerting"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/responders"
)

// Environment of the child process of TestKillWithPendingEscalation.
const (
	envChild = "FARO_ALERTING_KILL_CHILD"
	envDir   = "FARO_ALERTING_KILL_DIR"
	envDSN   = "FARO_ALERTING_KILL_DSN"
	envTier1 = "FARO_ALERTING_KILL_TIER1"
	envTier2 = "FARO_ALERTING_KILL_TIER2"
)

// A faro process opens a case whose escalation is due in a few seconds
// and is killed (SIGKILL) before it is due. A new process on the same
// data, once unsealed, escalates: tier 2 receives exactly one delivery.
func TestKillWithPendingEscalation(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		tier1 := webhookPeer(t, []byte("tier one secret"), http.StatusOK)
		tier2 := webhookPeer(t, []byte("tier two secret"), http.StatusOK)
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envChild+"=1", envDir+"="+dir, envDSN+"="+dsn,
			envTier1+"="+tier1.srv.URL, envTier2+"="+tier2.srv.URL)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if ref, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
					ready <- ref
				}
			}
			close(ready)
		}()
		var ref string
		select {
		case r, ok := <-ready:
			if !ok {
				cmd.Wait()
				t.Fatal("child ended without opening its case")
			}
			ref = r
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Fatal("child did not open its case within 60 s")
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown code runs
			t.Fatal(err)
		}
		cmd.Wait()
		if n := tier2.count(); n != 0 {
			t.Fatalf("tier 2 alerted before the escalation was due (%d)", n)
		}
		if n := tier1.count(); n != 1 {
			t.Fatalf("tier 1 got %d deliveries before the kill, want 1", n)
		}

		a := newApp(t, dir, dsn, notify.Config{}, false)
		defer a.Close()
		runWorkers(t, a)
		waitFor(t, "tier 2 alerted after the restart", func() bool { return tier2.count() >= 1 })
		time.Sleep(3 * time.Second)
		if n := tier2.count(); n != 1 {
			t.Errorf("tier 2 received %d deliveries, want exactly 1", n)
		}
		if bad := tier2.problems(); len(bad) > 0 {
			t.Errorf("tier 2 saw: %v", bad)
		}
		c, err := a.Cases.GetByRef(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		tl, err := a.Cases.Timeline(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		noted := 0
		for _, e := range tl {
			if strings.Contains(e.Text, "tier 2 alerted") {
				noted++
			}
		}
		if noted != 1 {
			t.Errorf("escalation on the timeline %d times, want 1", noted)
		}
	})
}

// TestKillChild is the process TestKillWithPendingEscalation kills.
func TestKillChild(t *testing.T) {
	if os.Getenv(envChild) == "" {
		t.Skip("child of TestKillWithPendingEscalation")
	}
	a := newApp(t, os.Getenv(envDir), os.Getenv(envDSN), notify.Config{}, true)
	a.Alerts.SetAckUnit(time.Second)
	one := addResponder(t, a, &responders.Responder{Name: "Tier one", Kind: responders.KindRescueCentre,
		Channels: []responders.Channel{{Channel: "webhook", Address: os.Getenv(envTier1), Secret: []byte("tier one secret")}}})
	two := addResponder(t, a, &responders.Responder{Name: "Tier two", Kind: responders.KindRescueCentre,
		Channels: []responders.Channel{{Channel: "webhook", Address: os.Getenv(envTier2), Secret: []byte("tier two secret")}}})
	addRule(t, a, alerting.Rule{Kinds: []string{"sea"}, Tier: 1, AckMinutes: 5, Responders: []int64{one}})
	addRule(t, a, alerting.Rule{Kinds: []string{"sea"}, Tier: 2, AckMinutes: 600, Responders: []int64{two}})
	ctx := context.Background()
	a.RunWorkers(ctx)
	c := openSeaCase(t, a, "+8821600000009")
	waitFor(t, "tier 1 sent", func() bool {
		ds, _ := a.Alerts.Deliveries(ctx, c.ID)
		return len(ds) == 1 && ds[0].Status == alerting.StatusSent
	})
	fmt.Println("READY " + c.Ref)
	time.Sleep(time.Minute) // killed long before this ends
}
