// Package coldtest is the cold-disk test: it runs the real faro binary,
// plants random canary strings through every public HTTP interface
// (display names, passwords, evidence contents and names, search terms,
// form junk, headers, TOTP codes), reads them back through the UI, stops
// the server and scans every byte Faro left behind (the data directory,
// its temporary directory, everything it printed and, on PostgreSQL, a
// pg_dump of its schema) for them. None may be there: a seized, powered-off
// server must give up nothing that was typed into Faro.
package coldtest
