// Package useradmin serves the staff user administration routes: the user
// lists, reading, changing and deleting one user, creating users as a
// superuser, and giving existing users a role (invite-agent).
//
// The users a caller may read follow its admin scope (rbac.Scope). A
// superuser reads everyone, and a system admin reads users with an
// assignment in a system it administers. Users outside the scope get the
// same 404 as unknown users. A system
// admin may change the admin fields of users in its scope, except
// superusers and users who hold an Admin assignment in one of its systems.
//
// DeleteUser and SetActive are the one implementation of deleting and
// deactivating a staff user: every route and tool that does either calls
// them, so tokens are revoked, files removed and sync messages recorded the
// same way everywhere.
package useradmin
