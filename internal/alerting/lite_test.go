package alerting_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/alerting"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/responders"
)

// A large dispatch chooses its responders from a listing that decrypts
// nothing, while the decrypted list for the sends is read alongside: every
// webhook must still go to its own address, signed with its own secret.
// If pausing leaves few deliveries, each gets its own timeline entry
// naming its responder (read from the full list).
func TestLargeDispatchListsWithoutDecrypting(t *testing.T) {
	for _, paused := range []int{0, 22} {
		t.Run(fmt.Sprintf("paused=%d", paused), func(t *testing.T) {
			eachDB(t, func(t *testing.T, dsn string) {
				const n = 25
				var mu sync.Mutex
				got := map[string]int{}
				var bad []string
				secrets := map[string][]byte{}
				recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					body, _ := io.ReadAll(r.Body)
					mu.Lock()
					defer mu.Unlock()
					got[r.URL.Path]++
					if err := notify.VerifySignature(secrets[r.URL.Path], r.Header.Get(notify.SignatureHeader), body, time.Now(), time.Minute); err != nil {
						bad = append(bad, r.URL.Path)
					}
					w.WriteHeader(http.StatusNoContent)
				}))
				defer recv.Close()
				a := newApp(t, t.TempDir(), dsn, notify.Config{}, true)
				defer a.Close()
				ctx := context.Background()
				var ids []int64
				for i := range n {
					path := fmt.Sprintf("/r/%d", i)
					secret := []byte(fmt.Sprintf("secret number %d of the test", i))
					mu.Lock()
					secrets[path] = secret
					mu.Unlock()
					r := &responders.Responder{Name: fmt.Sprintf("Volunteer %d", i), Kind: responders.KindVolunteer,
						Channels: []responders.Channel{{Channel: "webhook", Address: recv.URL + path, Secret: secret}}}
					ids = append(ids, addResponder(t, a, r))
					if i >= n-paused {
						r.Active = false
						if err := a.Responders.Save(ctx, r); err != nil {
							t.Fatal(err)
						}
					}
				}
				addRule(t, a, alerting.Rule{Kinds: []string{"sea"}, Tier: 1, AckMinutes: 600, Responders: ids})
				runWorkers(t, a)
				c := openSeaCase(t, a, "+8821600000001")
				want := n - paused
				deadline := time.Now().Add(30 * time.Second)
				for {
					mu.Lock()
					k := len(got)
					mu.Unlock()
					if k >= want || time.Now().After(deadline) {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				mu.Lock()
				defer mu.Unlock()
				if len(got) != want || len(bad) > 0 {
					t.Fatalf("%d addresses reached, want %d; %d with a wrong signature", len(got), want, len(bad))
				}
				for i := range want {
					if got[fmt.Sprintf("/r/%d", i)] != 1 {
						t.Errorf("responder %d reached %d times", i, got[fmt.Sprintf("/r/%d", i)])
					}
				}
				tl, err := a.Cases.Timeline(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				named := 0
				for _, e := range tl {
					if e.Kind == "delivery" && strings.Contains(e.Text, "Volunteer ") {
						named++
					}
				}
				if paused > 0 && named != want {
					t.Errorf("%d delivery entries name their responder, want %d", named, want)
				}
			})
		})
	}
}
