package i18n

// Plural categories from Unicode CLDR.
const (
	Zero  = "zero"
	One   = "one"
	Two   = "two"
	Few   = "few"
	Many  = "many"
	Other = "other"
)

// pluralRules gives, per language, the CLDR cardinal category of a whole
// number and the categories a plural message must define. Faro only ever
// counts whole things (people, boats, sessions), so integer rules suffice.
var pluralRules = map[string]struct {
	categories []string
	of         func(n int) string
}{
	"en": {[]string{One, Other}, func(n int) string {
		if n == 1 {
			return One
		}
		return Other
	}},
	"es": {[]string{One, Many, Other}, func(n int) string {
		switch {
		case n == 1:
			return One
		case n != 0 && n%1000000 == 0:
			return Many
		}
		return Other
	}},
	"fr": {[]string{One, Many, Other}, func(n int) string {
		switch {
		case n == 0 || n == 1:
			return One
		case n != 0 && n%1000000 == 0:
			return Many
		}
		return Other
	}},
	"ar": {[]string{Zero, One, Two, Few, Many, Other}, func(n int) string {
		m := n % 100
		switch {
		case n == 0:
			return Zero
		case n == 1:
			return One
		case n == 2:
			return Two
		case m >= 3 && m <= 10:
			return Few
		case m >= 11 && m <= 99:
			return Many
		}
		return Other
	}},
	"fa": {[]string{One, Other}, func(n int) string {
		if n == 0 || n == 1 {
			return One
		}
		return Other
	}},
}

// PluralCategory returns the CLDR category of n in lang.
func PluralCategory(lang string, n int) string {
	if n < 0 {
		n = -n
	}
	if r, ok := pluralRules[lang]; ok {
		return r.of(n)
	}
	return pluralRules["en"].of(n)
}

// PluralCategories lists the categories a plural message in lang must have.
func PluralCategories(lang string) []string {
	if r, ok := pluralRules[lang]; ok {
		return r.categories
	}
	return pluralRules["en"].categories
}
