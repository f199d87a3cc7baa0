// Package auth owns accounts, roles, passwords, sessions, second factors,
// login throttling and invitations. Everything it keeps lives in the
// database, so several faro processes can share one PostgreSQL.
package auth

// Role is what an account may do. Roles are ordered: each includes the
// rights of the ones below it.
type Role string

const (
	Viewer      Role = "viewer"
	Documenter  Role = "documenter"
	Reviewer    Role = "reviewer"
	Coordinator Role = "coordinator"
	Admin       Role = "admin"
)

// Roles lists every role from most to least powerful.
var Roles = []Role{Admin, Coordinator, Reviewer, Documenter, Viewer}

func (r Role) rank() int {
	switch r {
	case Viewer:
		return 1
	case Documenter:
		return 2
	case Reviewer:
		return 3
	case Coordinator:
		return 4
	case Admin:
		return 5
	}
	return 0
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r includes the rights of min.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }
