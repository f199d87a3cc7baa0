package alerting

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faro-project/faro/internal/jobs"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
)

// fakeCases keeps cases and their timelines in memory.
type fakeCases struct {
	mu     sync.Mutex
	cases  map[int64]*Case
	events map[int64]*fakeEvent
	nextEv int64
	s      *Service // for SetVerification's hook, as the case desk does
}

type fakeEvent struct {
	Case               int64
	Kind, Text, Status string
}

func newFakeCases() *fakeCases {
	return &fakeCases{cases: map[int64]*Case{}, events: map[int64]*fakeEvent{}}
}

func (f *fakeCases) put(c *Case) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cp := *c
	f.cases[c.ID] = &cp
}

func (f *fakeCases) Case(ctx context.Context, id int64) (*Case, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.cases[id]
	if !ok {
		return nil, ErrNoCase
	}
	cp := *c
	return &cp, nil
}

func (f *fakeCases) CaseByRef(ctx context.Context, ref string) (*Case, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.cases {
		if c.Ref == ref {
			cp := *c
			return &cp, nil
		}
	}
	return nil, ErrNoCase
}

func (f *fakeCases) AddEvent(ctx context.Context, tx *store.Tx, caseID int64, kind, text, status string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextEv++
	f.events[f.nextEv] = &fakeEvent{Case: caseID, Kind: kind, Text: text, Status: status}
	return f.nextEv, nil
}

func (f *fakeCases) SetEventStatus(ctx context.Context, tx *store.Tx, id int64, status, note string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.events[id]
	if !ok {
		return errors.New("no event")
	}
	e.Status = status
	return nil
}

func (f *fakeCases) SetVerification(ctx context.Context, tx *store.Tx, caseID int64, verdict string) error {
	f.mu.Lock()
	c := f.cases[caseID]
	c.Verification = verdict
	cp := *c
	f.mu.Unlock()
	return f.s.CaseChanged(ctx, tx, &cp)
}

func (f *fakeCases) timeline(caseID int64) []fakeEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeEvent
	for i := int64(1); i <= f.nextEv; i++ {
		if e := f.events[i]; e != nil && e.Case == caseID {
			out = append(out, *e)
		}
	}
	return out
}

// fakeResponders renders "template|lang|ref|ack" so tests can read it.
type fakeResponders struct{ list []Responder }

func (f *fakeResponders) Responder(ctx context.Context, id int64) (*Responder, error) {
	for i := range f.list {
		if f.list[i].ID == id {
			r := f.list[i]
			return &r, nil
		}
	}
	return nil, ErrNoResponder
}

func (f *fakeResponders) List(ctx context.Context) ([]Responder, error) { return f.list, nil }

func (f *fakeResponders) ByChannelAddress(ctx context.Context, channel, address string) (*Responder, error) {
	for _, r := range f.list {
		for _, c := range r.Channels {
			if c.Channel == channel && c.Address == address {
				return &r, nil
			}
		}
	}
	return nil, ErrNoResponder
}

func (f *fakeResponders) Render(ctx context.Context, name string, langs []string, channel string, d TemplateData) (Rendered, error) {
	lang := "en"
	if len(langs) > 0 {
		lang = langs[0]
	}
	text := strings.Join([]string{name, lang, d.Ref, d.AckURL, d.PositionDecimal, d.CallerPhone, d.Area}, "|")
	return Rendered{Subject: name, Text: text, Lang: lang, JSON: []byte(`{"text":"x"}`)}, nil
}

// fakeSender records messages; fail says which addresses fail, and how.
type fakeSender struct {
	mu   sync.Mutex
	sent []Message
	fail map[string]error
}

var errPermanentFake = errors.New("fake: rejected")

func (f *fakeSender) Send(ctx context.Context, m Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail[m.To]; err != nil {
		return "", err
	}
	f.sent = append(f.sent, m)
	return "", nil
}

func (f *fakeSender) IsPermanent(err error) bool { return errors.Is(err, errPermanentFake) }
func (f *fakeSender) Describe(err error) string  { return "fake failure" }

func (f *fakeSender) to(addr string) []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Message
	for _, m := range f.sent {
		if m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

// fakeCipher "seals" by prefixing the location: enough to check the
// token round-trips through the right record.
type fakeCipher struct{}

func (fakeCipher) Encrypt(loc vault.Location, p []byte) ([]byte, error) {
	return append([]byte(loc.Table+"/"+loc.Record+"/"+loc.Field+":"), p...), nil
}

func (fakeCipher) Decrypt(loc vault.Location, c []byte) ([]byte, error) {
	pre := loc.Table + "/" + loc.Record + "/" + loc.Field + ":"
	if !strings.HasPrefix(string(c), pre) {
		return nil, errors.New("wrong location")
	}
	return c[len(pre):], nil
}

// rig is a Service over fakes and a real job queue.
type rig struct {
	t      *testing.T
	db     *store.DB
	s      *Service
	q      *jobs.Queue
	cases  *fakeCases
	resp   *fakeResponders
	sender *fakeSender
	now    time.Time
	clock  sync.Mutex
}

func newRig(t *testing.T, db *store.DB, responders ...Responder) *rig {
	r := &rig{t: t, db: db, cases: newFakeCases(), resp: &fakeResponders{list: responders},
		sender: &fakeSender{fail: map[string]error{}}, now: time.Now()}
	r.q = jobs.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r.q.Poll = 20 * time.Millisecond
	r.q.Backoff = func(int) time.Duration { return 10 * time.Millisecond }
	r.s = New(Deps{DB: db, Cipher: fakeCipher{}, Cases: r.cases, Responders: r.resp, Sender: r.sender,
		Jobs: QueueScheduler{Q: r.q}}, Options{BaseURL: "https://faro.test", AckUnit: 200 * time.Millisecond,
		MaxAttempts: 2, Now: r.clockNow})
	r.cases.s = r.s
	r.s.RegisterJobs(r.q)
	return r
}

func (r *rig) clockNow() time.Time { r.clock.Lock(); defer r.clock.Unlock(); return r.now }

func (r *rig) advance(d time.Duration) { r.clock.Lock(); r.now = r.now.Add(d); r.clock.Unlock() }

// run starts the workers until the test ends.
func (r *rig) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.q.Run(ctx); close(done) }()
	r.t.Cleanup(func() { cancel(); <-done })
}

func (r *rig) open(c *Case) {
	r.t.Helper()
	r.cases.put(c)
	if err := r.db.InTx(context.Background(), func(tx *store.Tx) error { return r.s.CaseOpened(context.Background(), tx, c) }); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) change(c *Case) {
	r.t.Helper()
	r.cases.put(c)
	if err := r.db.InTx(context.Background(), func(tx *store.Tx) error { return r.s.CaseChanged(context.Background(), tx, c) }); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) rule(rule Rule) int64 {
	r.t.Helper()
	if rule.AckMinutes == 0 {
		rule.AckMinutes = 1
	}
	if rule.Tier == 0 {
		rule.Tier = 1
	}
	if rule.BroadcastHours == 0 {
		rule.BroadcastHours = 12
	}
	if rule.Name == "" {
		rule.Name = fmt.Sprintf("rule tier %d", rule.Tier)
	}
	rule.Active = true
	if err := r.s.SaveRule(context.Background(), &rule); err != nil {
		r.t.Fatal(err)
	}
	return rule.ID
}

// waitFor polls cond for up to 10 s.
func (r *rig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *rig) deliveries(caseID int64) []DeliveryStatus {
	r.t.Helper()
	ds, err := r.s.Deliveries(context.Background(), caseID)
	if err != nil {
		r.t.Fatal(err)
	}
	return ds
}

// tokenOf digs the ack link's token out of a sent message.
func tokenOf(t *testing.T, m Message) string {
	t.Helper()
	for _, f := range strings.Split(m.Text, "|") {
		if i := strings.LastIndex(f, "/ack/"); i >= 0 {
			return f[i+5:]
		}
		if i := strings.LastIndex(f, "/verify/"); i >= 0 {
			return f[i+8:]
		}
	}
	t.Fatal("no link in message")
	return ""
}
