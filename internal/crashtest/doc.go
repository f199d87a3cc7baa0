// Package crashtest is the crash harness: it runs the real faro binary,
// writes to it from concurrent clients, kills it with SIGKILL at a random
// moment, restarts it and checks that every write it acknowledged is still
// there, byte for byte, that the database and audit log are intact and
// that no half-written file is left behind. Run more rounds with
//
//	go test ./internal/crashtest -rounds 200 -timeout 2h
package crashtest
