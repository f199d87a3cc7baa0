// Package bench measures Faro against bare baselines run in the same
// process: each Faro benchmark has a partner doing the smallest honest
// version of the same work with the standard library alone (a static
// net/http handler, one XChaCha20-Poly1305 Seal and Open, a hashed and
// fsynced file, a plain INSERT). Machines are noisy, so the figures that
// mean anything are the ratios between partners, computed by
// scripts/bench.sh and recorded in docs/performance.md; no test here
// asserts a duration.
//
// The one test, TestPageWeight, checks a size budget rather than a speed:
// every page must weigh at most 30 KiB gzipped on first load, its CSS,
// JavaScript and icons included. It runs with a plain "go test"; the
// benchmarks run only with -bench.
package bench
