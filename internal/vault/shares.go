package vault

import (
	"encoding/base32"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
)

// A share as printed for a holder: "faro-share-" followed by base32 of
// instance tag (4 bytes) || Shamir share (33 bytes, last byte the x
// coordinate) || CRC-32 of the former, in groups of five for reading
// aloud. The tag rejects shares of another instance; the checksum
// catches typos before they reach Shamir, which would otherwise combine
// garbage without complaint.
const sharePrefix = "faro-share-"

var (
	ErrShareMalformed = errors.New("vault: share is malformed or mistyped")
	ErrShareForeign   = errors.New("vault: share belongs to another Faro instance")
	ErrShareDuplicate = errors.New("vault: this share was already entered")
	ErrSharesWrong    = errors.New("vault: the shares do not rebuild the key")
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func encodeShare(tag [4]byte, share []byte) string {
	raw := append(append(tag[:], share...), 0, 0, 0, 0)
	binary.BigEndian.PutUint32(raw[len(raw)-4:], crc32.ChecksumIEEE(raw[:len(raw)-4]))
	s := strings.ToLower(b32.EncodeToString(raw))
	var groups []string
	for len(s) > 5 {
		groups = append(groups, s[:5])
		s = s[5:]
	}
	groups = append(groups, s)
	return sharePrefix + strings.Join(groups, "-")
}

// parseShare checks and decodes a share typed by a person: case, spaces
// and dashes do not matter.
func parseShare(s string) (tag [4]byte, share []byte, err error) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, sharePrefix)
	s = strings.NewReplacer("-", "", " ", "", "\t", "", "\n", "", "\r", "").Replace(s)
	// The prefix typed without its dashes ("FARO SHARE ...", "faroshare...").
	// Only when what follows has the full length, so that data that merely
	// starts with these letters is left alone.
	if rest, ok := strings.CutPrefix(s, "faroshare"); ok && len(rest) == b32.EncodedLen(4+33+4) {
		s = rest
	}
	raw, err := b32.DecodeString(strings.ToUpper(s))
	if err != nil || len(raw) != 4+33+4 {
		return tag, nil, ErrShareMalformed
	}
	body := raw[:len(raw)-4]
	if crc32.ChecksumIEEE(body) != binary.BigEndian.Uint32(raw[len(raw)-4:]) {
		return tag, nil, ErrShareMalformed
	}
	copy(tag[:], body[:4])
	return tag, body[4:], nil
}
