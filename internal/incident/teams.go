package incident

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/auth"
	"github.com/faro-project/faro/internal/store"
)

// Team is a group of accounts that owns records together.
type Team struct {
	ID      int64
	Name    string
	Members []int64
}

// Teams manages teams and membership.
type Teams struct {
	DB    *store.DB
	Audit *audit.Log
}

var (
	ErrTeamName   = errors.New("incident: a team name has 1-80 characters")
	ErrTeamExists = errors.New("incident: a team with this name exists")
)

// List returns every team with its members.
func (t *Teams) List(ctx context.Context) ([]*Team, error) {
	rows, err := t.DB.Query(ctx, "SELECT id, name FROM teams ORDER BY name")
	if err != nil {
		return nil, err
	}
	var out []*Team
	byID := map[int64]*Team{}
	for rows.Next() {
		var tm Team
		if err := rows.Scan(&tm.ID, &tm.Name); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, &tm)
		byID[tm.ID] = &tm
	}
	rows.Close()
	mrows, err := t.DB.Query(ctx, "SELECT team_id, user_id FROM user_teams ORDER BY user_id")
	if err != nil {
		return nil, err
	}
	defer mrows.Close()
	for mrows.Next() {
		var tid, uid int64
		if err := mrows.Scan(&tid, &uid); err != nil {
			return nil, err
		}
		if tm := byID[tid]; tm != nil {
			tm.Members = append(tm.Members, uid)
		}
	}
	return out, mrows.Err()
}

// Of returns the ids of the teams userID belongs to.
func (t *Teams) Of(ctx context.Context, userID int64) ([]int64, error) {
	rows, err := t.DB.Query(ctx, "SELECT team_id FROM user_teams WHERE user_id = ? ORDER BY team_id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Create adds a team.
func (t *Teams) Create(ctx context.Context, name string) (int64, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 80 {
		return 0, ErrTeamName
	}
	var id int64
	err := t.DB.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM teams WHERE name = ?", name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrTeamExists
		}
		var err error
		if id, err = store.InsertID(ctx, tx, "INSERT INTO teams (name, created_at) VALUES (?, ?)", name, store.Now()); err != nil {
			return err
		}
		return t.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Create, RecordType: "team", RecordID: strconv.FormatInt(id, 10)})
	})
	return id, err
}

// SetMember adds or removes userID from a team.
func (t *Teams) SetMember(ctx context.Context, teamID, userID int64, member bool) error {
	return t.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM user_teams WHERE team_id = ? AND user_id = ?", teamID, userID); err != nil {
			return err
		}
		if member {
			if _, err := tx.Exec(ctx, "INSERT INTO user_teams (team_id, user_id) VALUES (?, ?)", teamID, userID); err != nil {
				return err
			}
		}
		return t.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Update, RecordType: "team", RecordID: strconv.FormatInt(teamID, 10)})
	})
}

// MayFileUnder says whether u may put a record in teamID: an existing team
// they belong to, or any existing team for coordinators and up. The pages
// and the API both ask here, so the rule cannot drift between them.
func (t *Teams) MayFileUnder(ctx context.Context, u *auth.User, teamID int64) (bool, error) {
	teams, err := t.List(ctx)
	if err != nil {
		return false, err
	}
	for _, tm := range teams {
		if tm.ID == teamID {
			return u.Role.AtLeast(auth.Coordinator) || tm.IsMember(u.ID), nil
		}
	}
	return false, nil
}
