// Package rbac owns the authorization registry: systems, the roles of each
// system and the role assignments of staff users, together with the rules
// that decide who may change them.
//
// # Authorization rules
//
// A superuser administers every system. Any other staff user administers
// the systems where it holds an active assignment to the role named Admin
// (its admin scope, see Scope). Only active assignments of active users
// grant rights: the request principal carries exactly those (httpx.Grant).
// Objects outside the caller's scope get the same 404 as unknown objects,
// so their existence is not revealed.
//
// Built-in roles (is_custom false) can be changed or deleted only by a
// superuser. The role named Admin can be neither renamed nor deleted by
// anyone, and only a superuser can remove or demote an Admin assignment.
// An assignment's role always belongs to the assignment's system: the
// service checks it and the database enforces it with a composite foreign
// key.
//
// # Side effects
//
// Every change runs in one transaction with its sync messages and domain
// events (internal/outbox) and its audit event. Deleting a system or role
// first records the deletion of each removed assignment, then of each
// removed role, then of the system, which is the order downstream workers
// expect.
//
// Handlers serves the JSON routes of /api/v1/systems/, /api/v1/roles/ and
// /api/v1/system-roles/; internal/httpapi maps them in its route table.
package rbac
