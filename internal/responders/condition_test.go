package responders

import "testing"

// TestConditionText: a message shows the case's condition codes in its
// own language, then the free text about the boat, with the separator of
// the language.
func TestConditionText(t *testing.T) {
	label := func(lang, key string) string {
		return map[string]string{"es/casedesk.cond.engine": "Motor averiado", "es/casedesk.cond.water": "Sin agua potable",
			"ar/casedesk.cond.engine": "عطل في المحرك"}[lang+"/"+key]
	}
	tests := []struct{ lang, codes, text, want string }{
		{"es", "engine,water", "goma gris", "Motor averiado, Sin agua potable, goma gris"},
		{"ar", "engine", "", "عطل في المحرك"},
		{"ar", "engine", "قارب مطاطي", "عطل في المحرك، قارب مطاطي"},
		{"it", "water_inside", "", "Imbarca acqua"},
		{"es", "", "  ", ""},
		{"es", " , ", "only text", "only text"},
	}
	for _, tt := range tests {
		if got := conditionText(label, tt.lang, tt.codes, tt.text); got != tt.want {
			t.Errorf("conditionText(%s, %q, %q) = %q, want %q", tt.lang, tt.codes, tt.text, got, tt.want)
		}
	}
	if got := conditionText(nil, "en", "engine", ""); got != "engine" {
		t.Errorf("without labels: %q, want the code", got)
	}
	for _, c := range [][4]string{{"it", "casedesk.phase.", "distress", "Fase di pericolo"}, {"es", "casedesk.cond.", "engine", "Motor averiado"},
		{"en", "casedesk.kind.", "", ""}} {
		if got := codeLabel(label, c[0], c[1], c[2]); got != c[3] {
			t.Errorf("codeLabel(%s, %s%s) = %q, want %q", c[0], c[1], c[2], got, c[3])
		}
	}
}
