// Package employees owns the HDTS employee accounts: self-registration with
// admin approval, sign-in with its own lockout, the employee tokens the
// help-desk backend verifies, the profile, passwords, two-factor settings,
// the HDTS user-management routes and the internal lookups behind API keys.
//
// Employees live in their own table and id space. An id inside authd is
// always read together with its account type, so an employee token never
// reaches a staff record that happens to share its number, and a staff
// token never acts as an employee.
package employees
