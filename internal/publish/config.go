package publish

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
}
