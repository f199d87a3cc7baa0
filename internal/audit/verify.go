package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/faro-project/faro/internal/store"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is a parsed, signature-checked tree head.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
}

// ErrCheckpoint covers unparseable or unsigned checkpoints.
var ErrCheckpoint = errors.New("audit: checkpoint malformed or not signed by this instance")

// ParseCheckpoint checks msg's signature against vkey and parses its body.
func ParseCheckpoint(msg []byte, vkey string) (*Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("audit: verifier key: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return nil, ErrCheckpoint
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 || lines[0] != v.Name() {
		return nil, ErrCheckpoint
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return nil, ErrCheckpoint
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return nil, ErrCheckpoint
	}
	return &Checkpoint{Origin: lines[0], Size: size, Root: root}, nil
}

// Problem is one thing verification found wrong.
type Problem struct {
	Idx    int64 // -1 when not about one entry
	Reason string
}

func (p Problem) String() string {
	if p.Idx < 0 {
		return p.Reason
	}
	return fmt.Sprintf("entry %d: %s", p.Idx, p.Reason)
}

// Report is the outcome of Verify.
type Report struct {
	Entries  uint64
	Problems []Problem
}

// OK reports whether nothing was wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) add(idx int64, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Idx: idx, Reason: fmt.Sprintf(format, args...)})
}

// Verify re-reads the whole log, recomputes every leaf and the tree, and
// checks them against the stored signed head and, when given, an exported
// checkpoint kept elsewhere. It needs only the public verifier key, so it
// works on a sealed instance.
func Verify(ctx context.Context, db *store.DB, vkey string, exported []byte) (*Report, error) {
	rep := &Report{}
	rows, err := db.Query(ctx, "SELECT idx, at, actor, action, record_type, record_id, leaf FROM audit_log ORDER BY idx")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	r := factory.NewEmptyRange(0)
	var prefixRoots = map[uint64][]byte{}
	var want uint64
	var wantSizes []uint64
	var exp *Checkpoint
	if len(exported) > 0 {
		exp, err = ParseCheckpoint(exported, vkey)
		if err != nil {
			return nil, err
		}
		wantSizes = append(wantSizes, exp.Size)
	}
	for rows.Next() {
		var idx, at, actor int64
		var action, typ, id string
		var data []byte
		if err := rows.Scan(&idx, &at, &actor, &action, &typ, &id, &data); err != nil {
			return nil, err
		}
		if uint64(idx) != want {
			rep.add(idx, "expected entry %d here: entries are missing or out of order", want)
			want = uint64(idx)
		}
		var lf leaf
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&lf); err != nil {
			rep.add(idx, "entry bytes are not a valid leaf")
		} else if lf != (leaf{Idx: uint64(idx), At: at, Actor: actor, Action: action, Type: typ, ID: id}) {
			rep.add(idx, "columns differ from the hashed entry (edited or moved)")
		}
		if err := r.Append(rfc6962.DefaultHasher.HashLeaf(data), nil); err != nil {
			return nil, err
		}
		want++
		for _, s := range wantSizes {
			if r.End() == s {
				root, _ := r.GetRootHash(nil)
				prefixRoots[s] = root
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rep.Entries = r.End()
	root, err := r.GetRootHash(nil)
	if err != nil {
		return nil, err
	}
	var cp string
	var size int64
	var storedRoot, storedRange []byte
	err = db.QueryRow(ctx, "SELECT size, root, range_hashes, checkpoint FROM audit_head WHERE id = 1").Scan(&size, &storedRoot, &storedRange, &cp)
	switch {
	case err != nil && r.End() == 0:
		// An instance is initialised before it can be verified, and
		// initialising leaves entries; an empty log means it was wiped.
		rep.add(-1, "the audit log is empty: every entry and the signed head are gone")
	case err != nil:
		rep.add(-1, "the signed tree head is missing")
	default:
		head, perr := ParseCheckpoint([]byte(cp), vkey)
		if perr != nil {
			rep.add(-1, "the stored checkpoint's signature does not verify")
		} else {
			if head.Size != r.End() {
				rep.add(-1, "the signed head covers %d entries but the log holds %d", head.Size, r.End())
			} else if !bytes.Equal(head.Root, root) {
				rep.add(-1, "the log's Merkle root differs from the signed head: entries were edited, removed or reordered")
			}
			if uint64(size) != head.Size || !bytes.Equal(storedRoot, head.Root) {
				rep.add(-1, "the stored head columns differ from its signed checkpoint")
			}
			// The compact range is what the next append builds on: a
			// damaged one would break every later checkpoint.
			if !bytes.Equal(storedRange, packHashes(r.Hashes())) {
				rep.add(-1, "the stored compact range differs from the one rebuilt from the entries")
			}
		}
	}
	if exp != nil {
		pr, ok := prefixRoots[exp.Size]
		switch {
		case exp.Size == 0:
		case !ok:
			rep.add(-1, "the exported checkpoint covers %d entries but the log holds only %d: entries were removed", exp.Size, r.End())
		case !bytes.Equal(pr, exp.Root):
			rep.add(-1, "the first %d entries no longer match the exported checkpoint: history was rewritten", exp.Size)
		}
	}
	return rep, nil
}
