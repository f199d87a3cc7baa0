package publish

import (
	"fmt"
	"hash/fnv"
)

// Config says how much Faro's own records are coarsened before they are
// published. The zero value means the defaults.
type Config struct {
	// GridKm is the side of the grid cells positions are snapped to
	// (default 10 km).
	GridKm float64
	// TimeUnit is "day", "week" (default) or "month".
	TimeUnit string
	// K is the smallest number of people a published cell may count
	// (default 3); smaller cells are suppressed or merged.
	K int
	// Licence and Attribution go with Faro's own open data.
	Licence     string
	Attribution string
	// Place is "grid" (default: positions snapped to the centre of a
	// GridKm cell) or "admin" (no position at all, only the admin area).
	Place string
}

// Place modes.
const (
	PlaceGrid  = "grid"
	PlaceAdmin = "admin"
)

// Time units.
const (
	UnitDay   = "day"
	UnitWeek  = "week"
	UnitMonth = "month"
)

// DefaultLicence is the licence of Faro's own open data unless configured.
const DefaultLicence = "CC BY 4.0"

// WithDefaults fills the zero fields; instance names the attribution
// when none is configured.
func (c Config) WithDefaults(instance string) Config {
	if c.GridKm <= 0 {
		c.GridKm = 10
	}
	if c.TimeUnit == "" {
		c.TimeUnit = UnitWeek
	}
	if c.K <= 0 {
		c.K = 3
	}
	if c.Place == "" {
		c.Place = PlaceGrid
	}
	if c.Licence == "" {
		c.Licence = DefaultLicence
	}
	if c.Attribution == "" {
		c.Attribution = instance
	}
	if c.Attribution == "" {
		c.Attribution = "Faro"
	}
	return c
}

// Validate refuses settings that would publish more than intended.
func (c Config) Validate() error {
	switch c.TimeUnit {
	case UnitDay, UnitWeek, UnitMonth:
	default:
		return fmt.Errorf("publish: time unit %q: want day, week or month", c.TimeUnit)
	}
	switch c.Place {
	case PlaceGrid, PlaceAdmin:
	default:
		return fmt.Errorf("publish: place %q: want grid or admin", c.Place)
	}
	if c.GridKm < 1 || c.GridKm > 1000 {
		return fmt.Errorf("publish: grid of %g km: want 1 to 1000", c.GridKm)
	}
	return nil
}

// fingerprint changes when a setting that shapes the outputs changes, so
// that ETags do not outlive a restart with other settings.
func (c Config) fingerprint() string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%g|%s|%d|%s|%s|%s", c.GridKm, c.TimeUnit, c.K, c.Licence, c.Attribution, c.Place)
	return fmt.Sprintf("%08x", h.Sum32())
}
