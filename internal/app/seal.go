package app

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/faro-project/faro/internal/audit"
)

// Sealing reaches every process. A seal is recorded in the audit log when
// that can be done within a second, the keys of this process are wiped at
// once whatever happens, and a seal counter in the database tells every
// other process sharing it to seal too (they look every two seconds).

const sealEpochKey = "seal_epoch"

// sealSeen is the seal counter this process has acted on.
type sealState struct{ seen atomic.Int64 }

// SealAll seals this process now and asks every other one to follow.
// actor is the account that asked (0 for a signal or the command line).
func (a *App) SealAll(ctx context.Context, actor int64) {
	if !a.Vault.Sealed() {
		actx, cancel := context.WithTimeout(ctx, time.Second)
		if err := a.Audit.Record(actx, audit.Entry{Actor: actor, Action: audit.Seal, RecordType: "vault", RecordID: "1"}); err != nil {
			a.Log.Error("audit of seal failed; sealing anyway", "err", err)
		}
		cancel()
	}
	a.Vault.Seal()
	bctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	epoch, err := a.sealEpoch(bctx)
	if err == nil {
		_, err = a.DB.Exec(bctx, "UPDATE settings SET value = ? WHERE key = ?", strconv.FormatInt(epoch+1, 10), sealEpochKey)
		a.seal.seen.Store(epoch + 1)
	}
	if err != nil {
		a.Log.Error("could not tell other processes to seal", "err", err)
	}
}

// sealEpoch reads the seal counter, creating it when missing.
func (a *App) sealEpoch(ctx context.Context) (int64, error) {
	var v string
	err := a.DB.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", sealEpochKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := a.DB.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, '0') ON CONFLICT (key) DO NOTHING", sealEpochKey); err != nil {
			return 0, err
		}
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// noteUnseal records the counter at unseal: only seals after it count.
func (a *App) noteUnseal() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if e, err := a.sealEpoch(ctx); err == nil {
		a.seal.seen.Store(e)
	}
}

// WatchSeals seals this process when another one sealed, until ctx ends.
func (a *App) WatchSeals(ctx context.Context) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if a.Vault.Sealed() {
			continue
		}
		e, err := a.sealEpoch(ctx)
		if err != nil {
			continue
		}
		if e > a.seal.seen.Load() {
			a.Vault.Seal()
			a.seal.seen.Store(e)
			a.Log.Warn("sealed: another process sealed Faro")
		}
	}
}
