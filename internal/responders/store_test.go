package responders

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/faro-project/faro/internal/audit"
	"github.com/faro-project/faro/internal/geo"
	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/notify"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
	"github.com/faro-project/faro/internal/vault"
)

// newStore returns a store over a fresh database with an unsealed vault.
func newStore(t *testing.T, db *store.DB) *Store {
	t.Helper()
	ctx := context.Background()
	v := vault.New(db)
	v.KDF = vault.KDFParams{Time: 1, MemKiB: 1024, Threads: 1}
	if err := v.InitPassphrase(ctx, "test passphrase for responders"); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.CreateSigningKey(ctx, db, v, audit.Origin("test")); err != nil {
		t.Fatal(err)
	}
	return NewStore(db, v, audit.New(db, v))
}

const canary = "CANARY-7f3a"

func sample() *Responder {
	return &Responder{
		Name: "MRCC Roma " + canary, Kind: KindRescueCentre, Languages: []string{"IT", "en"},
		Notes: "night desk " + canary, Home: &geo.Point{Lat: 41.9, Lon: 12.5}, Active: true,
		Channels: []Channel{
			{Channel: notify.Email, Address: "MRCC <ops." + strings.ToLower(canary) + "@example.it>"},
			{Channel: notify.SMS, Address: "+39 06 5908 4527"},
			{Channel: notify.Webhook, Address: "https://hooks.example.org/" + canary},
		},
	}
}

func TestSaveGetRoundTrip(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		s, ctx := newStore(t, db), context.Background()
		r := sample()
		if err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || r.Channels[0].ID == 0 {
			t.Fatal("no ids assigned")
		}
		got, err := s.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != r.Name || got.Kind != KindRescueCentre || !slices.Equal(got.Languages, []string{"it", "en"}) ||
			got.Notes != r.Notes || got.Home == nil || *got.Home != *r.Home || !got.Active {
			t.Error("responder fields differ after round trip")
		}
		if len(got.Channels) != 3 {
			t.Fatalf("%d channels", len(got.Channels))
		}
		if got.Channels[0].Address != "ops."+strings.ToLower(canary)+"@example.it" || got.Channels[1].Address != "+390659084527" {
			t.Error("addresses not normalised")
		}
		if len(got.Channels[2].Secret) != 64 || got.Channels[0].Secret != nil {
			t.Error("webhook secret not generated, or secret on a non-webhook channel")
		}
		// Update: drop a channel, deactivate, clear the home point.
		got.Channels = got.Channels[1:]
		got.Active, got.Home = false, nil
		secret := got.Channels[1].Secret
		if err := s.Save(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, _ := s.Get(ctx, r.ID)
		if len(again.Channels) != 2 || again.Active || again.Home != nil || !bytes.Equal(again.Channels[1].Secret, secret) {
			t.Error("update not kept")
		}
		list, err := s.List(ctx)
		if err != nil || len(list) != 1 || len(list[0].Channels) != 2 {
			t.Fatalf("list %d %v", len(list), err)
		}
		if _, err := s.Get(ctx, 12345); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing: %v", err)
		}
		missing := sample()
		missing.ID = 999
		if err := s.Save(ctx, missing); !errors.Is(err, ErrNotFound) {
			t.Errorf("update of missing: %v", err)
		}
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE record_type = 'responder'`).Scan(&n)
		if n != 2 {
			t.Errorf("%d audit entries, want 2", n)
		}
	})
}

func TestEncryptedAtRest(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		s, ctx := newStore(t, db), context.Background()
		r := sample()
		r.Channels = append(r.Channels, Channel{Channel: notify.Webhook, Address: "https://x.example.org/h", Secret: []byte("secret-" + canary)})
		if err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`SELECT * FROM responders`, `SELECT * FROM responder_channels`} {
			rows, err := db.Query(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for i, v := range vals {
					var raw []byte
					switch v := v.(type) {
					case []byte:
						raw = v
					case string:
						raw = []byte(v)
					}
					if bytes.Contains(bytes.ToLower(raw), bytes.ToLower([]byte(canary))) || bytes.Contains(raw, []byte("390659084527")) || bytes.Contains(raw, []byte("41.9")) {
						t.Errorf("canary leaked in clear: column %s", cols[i])
					}
				}
			}
			rows.Close()
		}
	})
}

func TestValidation(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		s, ctx := newStore(t, db), context.Background()
		r := &Responder{Name: "  ", Kind: "coastguard", Languages: []string{"en", "not a language!"},
			Home: &geo.Point{Lat: 91}, Channels: []Channel{
				{Channel: notify.SMS, Address: "333 123 4567"},
				{Channel: notify.Email, Address: "nope"},
				{Channel: "fax", Address: "1"},
				{Channel: notify.Webhook, Address: "https://u:p@x.org/"},
			}}
		err := s.Save(ctx, r)
		var ve *ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
			t.Fatalf("got %v", err)
		}
		want := map[string]string{
			"name": "responders.error.name_required", "kind": "responders.error.kind",
			"languages": "responders.error.languages", "home": "responders.error.home",
			"channel.0": "responders.error.address.sms", "channel.1": "responders.error.address.email",
			"channel.2": "responders.error.channel", "channel.3": "responders.error.address.webhook",
		}
		for f, k := range want {
			if ve.Fields[f] != k {
				t.Errorf("%s: %q, want %q", f, ve.Fields[f], k)
			}
		}
		if !strings.Contains(ve.Details["channel.0"], "country code") {
			t.Errorf("detail %q", ve.Details["channel.0"])
		}
		if r.ID != 0 {
			t.Error("invalid responder got an id")
		}
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM responders`).Scan(&n)
		if n != 0 {
			t.Error("invalid responder stored")
		}
	})
}

func TestByChannelAddress(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		s, ctx := newStore(t, db), context.Background()
		a, b := sample(), &Responder{Name: "Ship", Kind: KindShip, Active: true,
			Channels: []Channel{{Channel: notify.Signal, Address: "+33 6 12 34 56 78"}}}
		for _, r := range []*Responder{a, b} {
			if err := s.Save(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.ByChannelAddress(ctx, notify.Signal, "0033612345678")
		if err != nil || got.ID != b.ID {
			t.Errorf("signal: %v", err)
		}
		got, err = s.ByChannelAddress(ctx, notify.Email, "OPS."+canary+"@EXAMPLE.IT")
		if err != nil || got.ID != a.ID {
			t.Errorf("email: %v", err)
		}
		if _, err := s.ByChannelAddress(ctx, notify.SMS, "+33612345678"); !errors.Is(err, ErrNotFound) {
			t.Errorf("wrong channel: %v", err)
		}
	})
}

func TestTemplateLanguageChoice(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		s, ctx := newStore(t, db), context.Background()
		for _, c := range []struct {
			langs   []string
			channel string
			want    string
		}{
			{[]string{"it", "en"}, notify.Email, "it"},
			{[]string{"de", "fr"}, notify.Email, "fr"},
			{[]string{"es-MX"}, notify.SMS, "es"},
			{[]string{"de"}, "", "en"},
			{nil, notify.Signal, "en"},
			{[]string{"ar"}, notify.Email, "ar"},
		} {
			tpl, subject, lang, err := s.Template(ctx, TemplateDistress, c.langs, c.channel)
			if err != nil || lang != c.want || tpl == nil || subject == "" {
				t.Errorf("%v: lang %q, %v; want %q", c.langs, lang, err, c.want)
			}
		}
		// A channel-specific variant wins over the any-channel one in
		// the same language, and not over a preferred language.
		sms := &MessageTemplate{Name: TemplateDistress, Lang: "it", Channel: notify.SMS, Body: "SOS {{.Ref}} {{.PositionDecimal}}"}
		if err := s.SaveTemplate(ctx, sms); err != nil {
			t.Fatal(err)
		}
		c, err := s.Compose(ctx, TemplateDistress, []string{"it"}, notify.SMS, notify.TemplateData{Ref: "R1", PositionDecimal: "35.1, -2.5"})
		if err != nil || c.Text != "SOS R1 35.1, -2.5" || c.Lang != "it" {
			t.Errorf("compose sms: %+v %v", c, err)
		}
		c, err = s.Compose(ctx, TemplateDistress, []string{"it"}, notify.Email, notify.TemplateData{Ref: "R1", PeopleOnBoard: "47"})
		if err != nil || !strings.HasPrefix(c.Subject, "SOCCORSO") || !strings.Contains(c.Subject, "47") || !strings.Contains(c.Text, "R1") {
			t.Errorf("compose email: %q %v", c.Subject, err)
		}
		if _, _, _, err := s.Template(ctx, "nosuch", []string{"en"}, ""); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing: %v", err)
		}
	})
}

func TestBuiltinTemplatesRender(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		s, ctx := newStore(t, db), context.Background()
		all, err := s.Templates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 20 {
			t.Errorf("%d built-in templates, want 4 names × 5 languages", len(all))
		}
		for _, tpl := range all {
			// Each must pass the same validation an admin's edit does.
			cp := tpl
			if err := validateTemplate(&cp); err != nil {
				t.Errorf("%s/%s: %v", tpl.Name, tpl.Lang, err)
			}
		}
	})
}

func TestSaveTemplateValidation(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		s, ctx := newStore(t, db), context.Background()
		all, _ := s.Templates(ctx)
		tpl := all[0]
		tpl.Body = "Position {{.Positon}}"
		tpl.Subject = "a\nb"
		err := s.SaveTemplate(ctx, &tpl)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["body"] != "responders.error.template_syntax" || ve.Fields["subject"] != "responders.error.subject_line" {
			t.Fatalf("got %v", err)
		}
		if !strings.Contains(ve.Details["body"], "{{.Positon}}: no such field; known: .Ref") {
			t.Errorf("detail %q", ve.Details["body"])
		}
		// A copy under the same name, language and channel is refused.
		dup := all[0]
		dup.ID = 0
		if err := s.SaveTemplate(ctx, &dup); !errors.As(err, &ve) || ve.Fields["lang"] != "responders.error.template_exists" {
			t.Errorf("duplicate: %v", err)
		}
		ok := all[0]
		ok.Body = "Edited {{.Ref}}"
		if err := s.SaveTemplate(ctx, &ok); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetTemplate(ctx, ok.ID)
		if got.Body != "Edited {{.Ref}}" || !got.Builtin {
			t.Error("edit not kept")
		}
		long := MessageTemplate{Name: "x_sms", Lang: "en", Channel: notify.SMS, Body: strings.Repeat("{{.Condition}} ", 50)}
		if err := s.SaveTemplate(ctx, &long); !errors.As(err, &ve) || ve.Fields["body"] != "responders.error.sms_long" {
			t.Errorf("long sms: %v", err)
		}
	})
}

func TestSealedVault(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		s, ctx := newStore(t, db), context.Background()
		s.Cipher.(*vault.Vault).Seal()
		r := sample()
		if err := s.Save(ctx, r); !errors.Is(err, vault.ErrSealed) || r.ID != 0 {
			t.Errorf("sealed save: %v", err)
		}
	})
}

func TestListForDispatchDecryptsNothing(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		s, ctx := newStore(t, db), context.Background()
		a, b := sample(), sample()
		b.Active = false
		b.Channels = b.Channels[2:]
		for _, r := range []*Responder{a, b} {
			if err := s.Save(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.ListForDispatch(ctx)
		if err != nil || len(got) != 2 {
			t.Fatalf("list %d %v", len(got), err)
		}
		if got[0].ID > got[1].ID {
			t.Error("not ordered by id")
		}
		if got[0].ID != a.ID { // ids are random
			got[0], got[1] = got[1], got[0]
		}
		if got[0].ID != a.ID || got[1].ID != b.ID || !got[0].Active || got[1].Active || got[0].Kind != KindRescueCentre {
			t.Error("ids, activity or kind differ")
		}
		if len(got[0].Channels) != 3 || len(got[1].Channels) != 1 {
			t.Fatalf("channels %d, %d", len(got[0].Channels), len(got[1].Channels))
		}
		for i, c := range got[0].Channels {
			if c.ID != a.Channels[i].ID || c.Channel != a.Channels[i].Channel {
				t.Error("channel ids or kinds differ, or out of order")
			}
		}
		for _, r := range got {
			if r.Name != "" || r.Notes != "" || r.Home != nil {
				t.Error("a field was decrypted")
			}
			for _, c := range r.Channels {
				if c.Address != "" || c.Secret != nil {
					t.Error("a channel was decrypted")
				}
			}
		}
	})
}
