package responders

import (
	"slices"
	"strings"

	"github.com/faro-project/faro/internal/notify"
)

func sortResponders(rs []Responder) {
	slices.SortStableFunc(rs, func(a, b Responder) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
}

func validAddress(channel, address string) (string, error) {
	return notify.ValidateAddress(channel, address)
}
