package responders

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/vault"
)

// Store keeps responders and message templates.
type Store struct {
	DB     *store.DB
	Cipher vault.Cipher
	Audit  *audit.Log
	Now    func() time.Time
	// Label translates a catalogue key into a language; Compose uses it
	// for the condition codes of a case. Nil leaves the codes as they are.
	Label func(lang, key string) string

	templates templateCache
}

// NewStore returns a store over db.
func NewStore(db *store.DB, v *vault.Vault, a *audit.Log) *Store {
	return &Store{DB: db, Cipher: v, Audit: a, Now: time.Now}
}

// newID returns a random positive id below 2^53: ids are known before the
// insert (the vault binds ciphertexts to them) and say nothing about how
// many responders exist.
func newID() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])>>11) | 1
}

func loc(table string, id int64, field string) vault.Location {
	return vault.Location{Table: table, Record: strconv.FormatInt(id, 10), Field: field}
}

func (s *Store) seal(table string, id int64, field string, value []byte) (any, error) {
	if len(value) == 0 {
		return nil, nil
	}
	return s.Cipher.Encrypt(loc(table, id, field), value)
}

func (s *Store) open(table string, id int64, field string, ct []byte) ([]byte, error) {
	if ct == nil {
		return nil, nil
	}
	return s.Cipher.Decrypt(loc(table, id, field), ct)
}

func encodePoint(p *geo.Point) []byte {
	if p == nil {
		return nil
	}
	return []byte(strconv.FormatFloat(p.Lat, 'f', -1, 64) + "," + strconv.FormatFloat(p.Lon, 'f', -1, 64))
}

func decodePoint(b []byte) (*geo.Point, error) {
	if b == nil {
		return nil, nil
	}
	la, lo, ok := strings.Cut(string(b), ",")
	lat, err1 := strconv.ParseFloat(la, 64)
	lon, err2 := strconv.ParseFloat(lo, 64)
	if !ok || err1 != nil || err2 != nil {
		return nil, errors.New("responders: stored home point is malformed")
	}
	return &geo.Point{Lat: lat, Lon: lon}, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Save validates r (returning a *ValidationError) and creates it when
// r.ID is 0, or replaces it and its channels otherwise, with an audit
// entry in the same transaction.
func (s *Store) Save(ctx context.Context, r *Responder) error {
	if err := validate(r); err != nil {
		return err
	}
	create := r.ID == 0
	if create {
		r.ID = newID()
	}
	for i := range r.Channels {
		if r.Channels[i].ID == 0 {
			r.Channels[i].ID = newID()
		}
	}
	// Encrypt before the transaction: SQLite has one writer.
	name, err := s.seal("responders", r.ID, "name", []byte(r.Name))
	if err != nil {
		return s.undo(r, create, err)
	}
	notes, err := s.seal("responders", r.ID, "notes", []byte(r.Notes))
	if err != nil {
		return s.undo(r, create, err)
	}
	home, err := s.seal("responders", r.ID, "home", encodePoint(r.Home))
	if err != nil {
		return s.undo(r, create, err)
	}
	type sealedChannel struct{ addr, secret any }
	chans := make([]sealedChannel, len(r.Channels))
	for i, c := range r.Channels {
		if chans[i].addr, err = s.seal("responder_channels", c.ID, "address", []byte(c.Address)); err != nil {
			return s.undo(r, create, err)
		}
		if chans[i].secret, err = s.seal("responder_channels", c.ID, "secret", c.Secret); err != nil {
			return s.undo(r, create, err)
		}
	}
	now := s.Now().Unix()
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		action := audit.Update
		if create {
			action = audit.Create
			if _, err := tx.Exec(ctx, `INSERT INTO responders (id, name, kind, languages, notes, home, active, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, name, r.Kind, strings.Join(r.Languages, ","), notes, home, b2i(r.Active), now, now); err != nil {
				return err
			}
		} else {
			res, err := tx.Exec(ctx, `UPDATE responders SET name = ?, kind = ?, languages = ?, notes = ?, home = ?, active = ?, updated_at = ?
				WHERE id = ?`, name, r.Kind, strings.Join(r.Languages, ","), notes, home, b2i(r.Active), now, r.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNotFound
			}
			if _, err := tx.Exec(ctx, `DELETE FROM responder_channels WHERE responder_id = ?`, r.ID); err != nil {
				return err
			}
		}
		for i, c := range r.Channels {
			if _, err := tx.Exec(ctx, `INSERT INTO responder_channels (id, responder_id, channel, address, secret, position)
				VALUES (?, ?, ?, ?, ?, ?)`, c.ID, r.ID, c.Channel, chans[i].addr, chans[i].secret, i); err != nil {
				return err
			}
		}
		return s.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: action,
			RecordType: "responder", RecordID: strconv.FormatInt(r.ID, 10)})
	})
	s.changed() // even on error: a cache dropped for nothing costs one read
	if err != nil {
		return s.undo(r, create, err)
	}
	if create {
		r.CreatedAt = now
	}
	r.UpdatedAt = now
	return nil
}

// undo leaves a new responder without the id it was about to get, so a
// caller retrying Save creates rather than updates nothing.
func (s *Store) undo(r *Responder, create bool, err error) error {
	if create {
		r.ID = 0
	}
	return err
}

const responderColumns = `id, name, kind, languages, notes, home, active, created_at, updated_at`

func (s *Store) scanResponder(sc interface{ Scan(...any) error }) (*Responder, error) {
	var r Responder
	var name, notes, home []byte
	var langs string
	var active int
	if err := sc.Scan(&r.ID, &name, &r.Kind, &langs, &notes, &home, &active, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	r.Active = active != 0
	if langs != "" {
		r.Languages = strings.Split(langs, ",")
	}
	b, err := s.open("responders", r.ID, "name", name)
	if err != nil {
		return nil, err
	}
	r.Name = string(b)
	if b, err = s.open("responders", r.ID, "notes", notes); err != nil {
		return nil, err
	}
	r.Notes = string(b)
	if b, err = s.open("responders", r.ID, "home", home); err != nil {
		return nil, err
	}
	if r.Home, err = decodePoint(b); err != nil {
		return nil, err
	}
	return &r, nil
}

// Get returns one responder with its channels, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (*Responder, error) {
	r, err := s.scanResponder(s.DB.QueryRow(ctx, `SELECT `+responderColumns+` FROM responders WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	chans, err := s.channels(ctx, `WHERE responder_id = ?`, id)
	if err != nil {
		return nil, err
	}
	for _, c := range chans {
		r.Channels = append(r.Channels, c.Channel)
	}
	return r, nil
}

// List returns every responder with its channels, ordered by name. Names
// are encrypted, so ordering happens here; hotlines have hundreds at most.
func (s *Store) List(ctx context.Context) ([]Responder, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+responderColumns+` FROM responders`)
	if err != nil {
		return nil, err
	}
	var out []Responder
	byID := map[int64]int{}
	for rows.Next() {
		r, err := s.scanResponder(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		byID[r.ID] = len(out)
		out = append(out, *r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	chans, err := s.channels(ctx, ``)
	if err != nil {
		return nil, err
	}
	for _, c := range chans {
		if i, ok := byID[c.responder]; ok {
			out[i].Channels = append(out[i].Channels, c.Channel)
		}
	}
	sortResponders(out)
	return out, nil
}

type ownedChannel struct {
	Channel
	responder int64
}

func (s *Store) channels(ctx context.Context, where string, args ...any) ([]ownedChannel, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, responder_id, channel, address, secret FROM responder_channels `+where+` ORDER BY responder_id, position`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ownedChannel
	for rows.Next() {
		var c ownedChannel
		var addr, secret []byte
		if err := rows.Scan(&c.ID, &c.responder, &c.Channel.Channel, &addr, &secret); err != nil {
			return nil, err
		}
		b, err := s.open("responder_channels", c.ID, "address", addr)
		if err != nil {
			return nil, err
		}
		c.Address = string(b)
		if c.Secret, err = s.open("responder_channels", c.ID, "secret", secret); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ByChannelAddress finds the responder reached at address on channel, for
// matching an inbound reply to its sender. Addresses are encrypted, so it
// decrypts every address of that channel in memory (fine for hundreds).
// Email addresses compare without regard to case.
func (s *Store) ByChannelAddress(ctx context.Context, channel, address string) (*Responder, error) {
	want := normaliseAddress(channel, address)
	chans, err := s.channels(ctx, `WHERE channel = ?`, channel)
	if err != nil {
		return nil, err
	}
	for _, c := range chans {
		if normaliseAddress(channel, c.Address) == want {
			return s.Get(ctx, c.responder)
		}
	}
	return nil, ErrNotFound
}

func normaliseAddress(channel, address string) string {
	if n, err := validAddress(channel, address); err == nil {
		address = n
	}
	if channel == "email" {
		return strings.ToLower(strings.TrimSpace(address))
	}
	return strings.TrimSpace(address)
}

// Delete removes a responder and its channels.
func (s *Store) Delete(ctx context.Context, id int64) error {
	defer s.changed()
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM responder_channels WHERE responder_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM responders WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.Audit.Append(ctx, tx, audit.Entry{Actor: audit.ActorOf(ctx), Action: audit.Delete,
			RecordType: "responder", RecordID: strconv.FormatInt(id, 10)})
	})
}

// ListForDispatch lists every responder with only what choosing the
// recipients of an alert needs — id, kind, active, and each channel's id
// and kind — and decrypts nothing: Name, Notes and Home are empty, and so
// are each channel's Address and Secret. A fan-out to thousands would
// otherwise decrypt every name, note, home, address and secret inside the
// case's opening transaction (about 50 ms for 10,000). Ordered by id.
func (s *Store) ListForDispatch(ctx context.Context) ([]Responder, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, kind, active FROM responders ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var out []Responder
	byID := map[int64]int{}
	for rows.Next() {
		var r Responder
		var active int
		if err := rows.Scan(&r.ID, &r.Kind, &active); err != nil {
			rows.Close()
			return nil, err
		}
		r.Active = active != 0
		byID[r.ID] = len(out)
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	chans, err := s.DB.Query(ctx, `SELECT id, responder_id, channel FROM responder_channels ORDER BY responder_id, position`)
	if err != nil {
		return nil, err
	}
	defer chans.Close()
	for chans.Next() {
		var c Channel
		var owner int64
		if err := chans.Scan(&c.ID, &owner, &c.Channel); err != nil {
			return nil, err
		}
		if i, ok := byID[owner]; ok {
			out[i].Channels = append(out[i].Channels, c)
		}
	}
	return out, chans.Err()
}
