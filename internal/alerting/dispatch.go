package alerting

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
)

// CaseOpened is the case desk's hook for a new case; it runs inside the
// transaction that creates the case, so the deliveries and their jobs
// exist exactly when the case does.
func (s *Service) CaseOpened(ctx context.Context, tx *store.Tx, c *Case) error {
	return s.onChange(ctx, tx, c)
}

// CaseChanged is the case desk's hook for any change of a case, inside
// the change's transaction. Alerting compares the case with what it
// already did (alert_case_state), so it does not depend on which event
// caused the call, and a repeated call does nothing twice.
func (s *Service) CaseChanged(ctx context.Context, tx *store.Tx, c *Case) error {
	return s.onChange(ctx, tx, c)
}

type caseState struct {
	found     bool
	phaseRank int
	tier      int
	stage     string
}

func loadState(ctx context.Context, tx *store.Tx, caseID int64) (caseState, error) {
	st := caseState{found: true}
	err := tx.QueryRow(ctx, `SELECT phase_rank, tier, stage FROM alert_case_state WHERE case_id = ?`, caseID).
		Scan(&st.phaseRank, &st.tier, &st.stage)
	if errors.Is(err, sql.ErrNoRows) {
		return caseState{}, nil
	}
	return st, err
}

func saveState(ctx context.Context, tx *store.Tx, caseID int64, st caseState) error {
	_, err := tx.Exec(ctx, `INSERT INTO alert_case_state (case_id, phase_rank, tier, stage) VALUES (?, ?, ?, ?)
		ON CONFLICT (case_id) DO UPDATE SET phase_rank = excluded.phase_rank, tier = excluded.tier, stage = excluded.stage`,
		caseID, st.phaseRank, st.tier, st.stage)
	return err
}

func (s *Service) onChange(ctx context.Context, tx *store.Tx, c *Case) error {
	st, err := loadState(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	if c.Status == "closed" {
		// Nobody is escalated about a closed case.
		return s.cancelEscalations(ctx, tx, c.ID, 1, max(st.tier, 1))
	}
	if c.Kind == "raid" {
		return s.onRaid(ctx, tx, c, st)
	}
	rank := PhaseRank(c.Phase)
	if st.found && rank <= st.phaseRank {
		return nil
	}
	// A new case, or its phase rose: tier 1 again, with the new phase,
	// and only acknowledgements of what is sent from now on count.
	if err := s.cancelEscalations(ctx, tx, c.ID, 1, max(st.tier, 1)); err != nil {
		return err
	}
	var after int64
	if st.found {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM deliveries WHERE case_id = ?`, c.ID).Scan(&after); err != nil {
			return err
		}
	}
	if _, err := s.dispatch(ctx, tx, c, StageDistress, 1, after); err != nil {
		return err
	}
	return saveState(ctx, tx, c.ID, caseState{phaseRank: rank, tier: 1, stage: StageDistress})
}

// onRaid: a pending report goes to verifiers near it, once; a confirmed
// one is broadcast, once; a false alarm stops the verifiers' escalation
// and is kept, never broadcast.
func (s *Service) onRaid(ctx context.Context, tx *store.Tx, c *Case, st caseState) error {
	switch c.Verification {
	case "confirmed":
		if err := s.cancelEscalations(ctx, tx, c.ID, 1, max(st.tier, 1)); err != nil {
			return err
		}
		if st.stage == StageBroadcast {
			return nil
		}
		if err := s.broadcast(ctx, tx, c); err != nil {
			return err
		}
		return saveState(ctx, tx, c.ID, caseState{tier: st.tier, stage: StageBroadcast})
	case "", "pending":
		if st.found {
			return nil
		}
		if _, err := s.dispatch(ctx, tx, c, StageVerify, 1, 0); err != nil {
			return err
		}
		return saveState(ctx, tx, c.ID, caseState{tier: 1, stage: StageVerify})
	default: // false_alarm and any other verdict: never broadcast
		if err := s.cancelEscalations(ctx, tx, c.ID, 1, max(st.tier, 1)); err != nil {
			return err
		}
		return saveState(ctx, tx, c.ID, caseState{tier: st.tier, stage: c.Verification})
	}
}

func escalationKey(caseID int64, tier int) string { return fmt.Sprintf("escalate:%d:%d", caseID, tier) }

func (s *Service) cancelEscalations(ctx context.Context, tx *store.Tx, caseID int64, from, to int) error {
	for t := from; t <= to; t++ {
		if _, err := s.Jobs.Cancel(ctx, tx, escalationKey(caseID, t)); err != nil {
			return err
		}
	}
	return nil
}

// target is one responder chosen by a rule.
type target struct {
	rule *Rule
	resp *Responder
}

// targets picks the responders of the rules of tier that match the case,
// each once (the first rule, by id, decides its template). Responders are
// listed once per dispatch, not fetched one by one: a broadcast may reach
// thousands.
func (s *Service) targets(ctx context.Context, tx *store.Tx, c *Case, stage string, tier int) ([]target, []*Rule, error) {
	rules, err := loadRules(ctx, tx, true)
	if err != nil {
		return nil, nil, err
	}
	var matched []*Rule
	for i := range rules {
		if r := &rules[i]; r.Tier == tier && r.Matches(c) {
			matched = append(matched, r)
		}
	}
	if len(matched) == 0 {
		return nil, nil, nil
	}
	gen := s.generation() // before the read: a change meanwhile invalidates it
	named := 0
	for _, r := range matched {
		named += len(r.Responders)
	}
	var all []Responder
	lite := false
	if dl, ok := s.Responders.(dispatchLister); ok && stage != StageVerify && named > eachOnTimeline && s.fillResponders(gen) {
		// A large dispatch: choosing needs no name, home or address, and
		// the decrypted list for the sends is read meanwhile, on its own
		// goroutine (fillResponders), while this transaction inserts.
		all, err = dl.ListForDispatch(ctx)
		lite = true
	} else {
		all, err = s.Responders.List(ctx)
	}
	if err != nil {
		return nil, nil, err
	}
	if !lite {
		s.remember(gen, all)
	}
	byID := make(map[int64]*Responder, len(all))
	for i := range all {
		byID[all[i].ID] = &all[i]
	}
	var out []target
	seen := map[int64]bool{}
	for _, r := range matched {
		for _, id := range r.Responders {
			resp := byID[id]
			if seen[id] || resp == nil || !resp.Active {
				continue // removed or paused since the rule was written
			}
			if stage == StageVerify && (resp.Kind != "verifier" || !r.Near(c, resp)) {
				continue
			}
			seen[id] = true
			out = append(out, target{rule: r, resp: resp})
		}
	}
	if lite {
		n := 0
		for _, t := range out {
			n += len(t.resp.Channels)
		}
		if n <= eachOnTimeline {
			// Few deliveries after all (most paused): each gets its own
			// timeline entry, which names its responder.
			if all, err = s.Responders.List(ctx); err != nil {
				return nil, nil, err
			}
			s.remember(gen, all)
			full := make(map[int64]*Responder, len(all))
			for i := range all {
				full[all[i].ID] = &all[i]
			}
			kept := out[:0]
			for _, t := range out {
				if resp := full[t.resp.ID]; resp != nil && resp.Active {
					kept = append(kept, target{rule: t.rule, resp: resp})
				}
			}
			out = kept
		}
	}
	return out, matched, nil
}

// dispatch creates the deliveries of one tier of one stage, their jobs,
// their timeline entries and the escalation to the next tier, all in tx;
// the escalation counts acknowledgements of deliveries after the id after
// (EscalateArgs.After). It returns how many deliveries it made.
func (s *Service) dispatch(ctx context.Context, tx *store.Tx, c *Case, stage string, tier int, after int64) (int, error) {
	targets, rules, err := s.targets(ctx, tx, c, stage, tier)
	if err != nil {
		return 0, err
	}
	n, err := s.createDeliveries(ctx, tx, c, targets, stage, tier)
	if err != nil || n == 0 || stage == StageBroadcast {
		return n, err
	}
	// The shortest wait of the tier's rules decides when to escalate.
	wait := slices.MinFunc(rules, func(a, b *Rule) int { return a.AckMinutes - b.AckMinutes }).AckMinutes
	runAt := s.opts.Now().Add(time.Duration(wait) * s.opts.AckUnit)
	key := escalationKey(c.ID, tier)
	if _, err := s.Jobs.Cancel(ctx, tx, key); err != nil {
		return n, err
	}
	return n, s.Jobs.Enqueue(ctx, tx, JobEscalate, EscalateArgs{Case: c.ID, Tier: tier, Stage: stage, After: after}, runAt, 5, key)
}

func newToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// tokenLocation binds a sealed ack token to its delivery by the token's
// hash (unique, and known before the row is inserted, unlike its id).
func tokenLocation(hash string) vault.Location {
	return vault.Location{Table: "deliveries", Record: hash, Field: "ack_token"}
}

func stageLabel(stage string) string {
	switch stage {
	case StageVerify:
		return "Verification request"
	case StageBroadcast:
		return "Raid alert"
	}
	return "Alert"
}

// Escalate is the escalation job (run in the job's own transaction, so it
// happens exactly once): if nobody of tier acknowledged, the next tier is
// alerted and that is written on the timeline.
func (s *Service) Escalate(ctx context.Context, tx *store.Tx, a EscalateArgs) error {
	var acked int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM deliveries WHERE case_id = ? AND stage = ? AND tier >= ? AND status = ? AND id > ?`,
		a.Case, a.Stage, a.Tier, StatusAcknowledged, a.After).Scan(&acked); err != nil {
		return err
	}
	if acked > 0 {
		return nil
	}
	c, err := s.Cases.Case(ctx, a.Case)
	if errors.Is(err, ErrNoCase) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.Status == "closed" || c.Kind == "raid" && c.Verification != "" && c.Verification != "pending" {
		return nil
	}
	st, err := loadState(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	if st.stage != a.Stage || st.tier > a.Tier {
		return nil // the case moved on (phase rose, already escalated)
	}
	n, err := s.dispatch(ctx, tx, c, a.Stage, a.Tier+1, a.After)
	if err != nil {
		return err
	}
	text := fmt.Sprintf("No acknowledgement from tier %d: tier %d alerted (%d deliveries)", a.Tier, a.Tier+1, n)
	if n == 0 {
		text = fmt.Sprintf("No acknowledgement from tier %d, and no tier %d rule matches this case", a.Tier, a.Tier+1)
	}
	if _, err := s.Cases.AddEvent(ctx, tx, c.ID, EventNote, text, ""); err != nil {
		return err
	}
	st.tier = a.Tier + 1
	return saveState(ctx, tx, c.ID, st)
}
