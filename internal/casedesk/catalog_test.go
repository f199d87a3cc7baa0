package casedesk_test

import (
	"fmt"
	"testing"

	"github.com/faro-project/faro/internal/casedesk"
	"github.com/faro-project/faro/internal/i18n"
)

// TestCodesHaveLabels: templates build keys from codes (print
// "casedesk.phase." .Phase); every code needs a label in every language.
func TestCodesHaveLabels(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	add := func(prefix string, codes []string) {
		for _, c := range codes {
			keys = append(keys, prefix+c)
		}
	}
	add("casedesk.kind.", casedesk.Kinds)
	add("casedesk.phase.", casedesk.Phases)
	add("casedesk.verification.", []string{casedesk.VerifyPending, casedesk.VerifyConfirmed, casedesk.VerifyFalse})
	add("casedesk.verify_do.", casedesk.Verdicts)
	add("casedesk.outcome.", casedesk.Outcomes)
	add("casedesk.outcome.", casedesk.RaidOutcomes)
	add("casedesk.event.", casedesk.EventKinds)
	add("casedesk.delivery.", casedesk.DeliveryStatuses)
	add("casedesk.status.", []string{casedesk.StatusOpen, casedesk.StatusClosed})
	add("casedesk.source.", casedesk.Sources)
	add("casedesk.cond.", casedesk.Conditions)
	add("casedesk.raid.", casedesk.RaidTypes)
	for i := 1; i <= 5; i++ {
		keys = append(keys, fmt.Sprintf("casedesk.sev.%d", i))
	}
	for _, f := range []string{"men", "women", "minors", "medical", "pregnant", "in_water", "rescued", "dead", "missing"} {
		keys = append(keys, "casedesk.count."+f)
	}
	for _, lang := range b.Langs() {
		for _, k := range keys {
			if _, ok := b.Lookup(lang, k); !ok {
				t.Errorf("%s lacks %s", lang, k)
			}
		}
	}
}
