package publish

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
)

// Totals are sums over records. Counts that are unknown (NULL) are left
// out of the sums, never taken as zero.
type Totals struct {
	Records        int64
	Dead           int64
	Missing        int64
	DeadAndMissing int64
}

// Bucket is the totals of one value of a breakdown (a year "2019", a
// month "2019-03", a route, a type, a cause; "" is not known).
type Bucket struct {
	Key string
	Totals
}

// Stats are the public figures of a filter.
type Stats struct {
	Totals
	ByYear  []Bucket // by key, ascending; records of unknown year are left out
	ByMonth []Bucket // "YYYY-MM", ascending; records of unknown month are left out
	ByRoute []Bucket // by DeadAndMissing, then Records, descending; then key
	ByType  []Bucket
	ByCause []Bucket
	// Suppressed counts the records some of whose fields were withheld
	// because a cell they form counted fewer than k people; outputs say
	// so (SuppressedNotice).
	Suppressed int64
}

// SuppressedNotice is the English notice the open data files carry (the
// public site has its own, translated).
const SuppressedNotice = "Some fields are withheld so that no one can be singled out: the countries of origin of records " +
	"whose nationality, place and period together counted fewer than k people, and the numbers of women, men and children " +
	"of records whose place and period together did; the column \"suppressed\" names them."

const sums = "COUNT(*), SUM(dead), SUM(missing), SUM(dead_and_missing)"

func scanTotals(sc scanner, key *string, t *Totals) error {
	var d, m, dm sql.NullInt64
	var err error
	if key != nil {
		err = sc.Scan(key, &t.Records, &d, &m, &dm)
	} else {
		err = sc.Scan(&t.Records, &d, &m, &dm)
	}
	t.Dead, t.Missing, t.DeadAndMissing = d.Int64, m.Int64, dm.Int64
	return err
}

// Stats sums the records matching f, with breakdowns.
func (s *Store) Stats(ctx context.Context, f Filter) (*Stats, error) {
	where, args := f.where()
	st := &Stats{}
	if err := scanTotals(s.db.QueryRow(ctx, "SELECT "+sums+" FROM public_records"+where, args...), nil, &st.Totals); err != nil {
		return nil, err
	}
	and := func(cond string) string {
		if where == "" {
			return " WHERE " + cond
		}
		return where + " AND " + cond
	}
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM public_records"+and("suppressed <> ''"), args...).Scan(&st.Suppressed); err != nil {
		return nil, err
	}
	var err error
	if st.ByYear, err = s.buckets(ctx, "year", and("year > 0"), args, "year"); err != nil {
		return nil, err
	}
	if st.ByMonth, err = s.buckets(ctx, "year, month", and("year > 0 AND month > 0"), args, "month"); err != nil {
		return nil, err
	}
	for _, b := range []struct {
		col string
		out *[]Bucket
	}{{"route", &st.ByRoute}, {"type", &st.ByType}, {"cause", &st.ByCause}} {
		if *b.out, err = s.buckets(ctx, b.col, where, args, b.col); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// buckets groups by cols (a column name, or "year, month").
func (s *Store) buckets(ctx context.Context, cols, where string, args []any, kind string) ([]Bucket, error) {
	rows, err := s.db.Query(ctx, "SELECT "+cols+", "+sums+" FROM public_records"+where+" GROUP BY "+cols, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Bucket
	for rows.Next() {
		var b Bucket
		var d, m, dm sql.NullInt64
		switch kind {
		case "year":
			var y int
			err = rows.Scan(&y, &b.Records, &d, &m, &dm)
			b.Key = fmt.Sprintf("%04d", y)
		case "month":
			var y, mo int
			err = rows.Scan(&y, &mo, &b.Records, &d, &m, &dm)
			b.Key = fmt.Sprintf("%04d-%02d", y, mo)
		default:
			err = rows.Scan(&b.Key, &b.Records, &d, &m, &dm)
		}
		if err != nil {
			return nil, err
		}
		b.Dead, b.Missing, b.DeadAndMissing = d.Int64, m.Int64, dm.Int64
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if kind == "year" || kind == "month" {
		sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	} else {
		sort.Slice(out, func(i, j int) bool {
			a, b := out[i], out[j]
			if a.DeadAndMissing != b.DeadAndMissing {
				return a.DeadAndMissing > b.DeadAndMissing
			}
			if a.Records != b.Records {
				return a.Records > b.Records
			}
			return a.Key < b.Key
		})
	}
	return out, nil
}
