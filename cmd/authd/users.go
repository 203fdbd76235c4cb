package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/mapactive/authd/internal/lockout"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/uptrace/bun"
	"golang.org/x/term"

	"github.com/mapactive/authd/internal/accounts"
	"github.com/mapactive/authd/internal/app"
	"github.com/mapactive/authd/internal/audit"
	"github.com/mapactive/authd/internal/httpx"
	"github.com/mapactive/authd/internal/model"
	"github.com/mapactive/authd/internal/storage"
	"github.com/mapactive/authd/internal/tokens"
)

// readPassword reads a password from standard input: one line, without echo
// when it is a terminal, so scripts can pipe it.
func readPassword(cmd *cobra.Command, prompt string) (string, error) {
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), prompt)
		secret, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		return string(secret), err
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// checkedHash applies the password policy and hashes the password.
func checkedHash(ctx context.Context, a *app.App, password, username, email string) (string, error) {
	if password == "" {
		return "", errors.New("no password given on standard input")
	}
	if problems := a.Policy.Check(ctx, password, username, email); len(problems) > 0 {
		return "", fmt.Errorf("password rejected: %s", strings.Join(problems, " "))
	}
	return a.Hasher.Hash(ctx, password)
}

func newCreateSuperuserCommand() *cobra.Command {
	var email, username string
	cmd := &cobra.Command{
		Use:   "createsuperuser --email E [--username U]",
		Short: "Create a superuser, or promote an existing user; the password is read from standard input",
		Long: "Create a superuser with the password read from standard input (one line; the password policy applies).\n" +
			"When the e-mail belongs to an existing account, that account becomes an active, approved superuser, and its\n" +
			"password is replaced only when one is given.",
		RunE: func(cmd *cobra.Command, args []string) error {
			email = strings.TrimSpace(email)
			if email == "" {
				return errors.New("--email is required")
			}
			ctx := cmd.Context()
			a, err := openApp(ctx, true)
			if err != nil {
				return err
			}
			defer a.Close()
			existing, err := accounts.UserByEmail(ctx, a.DB, email)
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return err
			}
			// An existing account is promoted whatever its address, so one
			// registered before the address rules tightened is not locked
			// out. A new account must pass the rules before the password is
			// read.
			if existing == nil {
				f := httpx.NewFields(httpx.NewInput(map[string]any{"email": email}))
				if _, ok := f.Email("email", true); !ok {
					return describeFieldErrors(f.Errors, userFlags(email, username))
				}
			}
			password, err := readPassword(cmd, "Password: ")
			if err != nil {
				return err
			}
			if existing != nil {
				return promote(ctx, cmd, a, existing, password)
			}
			// CreateUser would store an unusable password for an empty one,
			// leaving a superuser nobody can sign in as.
			if password == "" {
				return errors.New("no password given on standard input: pipe one, as in: echo \"$PASSWORD\" | authd createsuperuser --email E")
			}
			return createSuperuser(cmd, a, email, username, password)
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "e-mail address of the superuser")
	cmd.Flags().StringVar(&username, "username", "", "username (default: the e-mail local part)")
	return cmd
}

// promote makes an existing user an active, approved superuser and sets its
// password when one was given.
func promote(ctx context.Context, cmd *cobra.Command, a *app.App, u *model.User, password string) error {
	username := ""
	if u.Username != nil {
		username = *u.Username
	}
	q := a.DB.NewUpdate().Model((*model.User)(nil)).
		Set("is_superuser = ?", true).Set("is_staff = ?", true).Set("is_active = ?", true).
		Set("status = ?", model.StatusApproved).Set("updated_at = ?", a.Now()).Where("id = ?", u.ID)
	if password != "" {
		hash, err := checkedHash(ctx, a, password, username, u.Email)
		if err != nil {
			return err
		}
		q = q.Set("password = ?", hash).Set("password_nfc = ?", true)
	}
	if _, err := q.Exec(ctx); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "promoted %s (id %d) to superuser\n", u.Email, u.ID)
	return nil
}

// createSuperuser checks the account with the rules of staff registration,
// POST /api/v1/users/register/, and creates it.
func createSuperuser(cmd *cobra.Command, a *app.App, email, username, password string) error {
	values := map[string]any{"email": email, "password": password}
	if username != "" {
		values["username"] = username
	}
	n, errs := accounts.ReadNewUser(httpx.NewInput(values))
	if !errs.Empty() {
		return describeFieldErrors(errs, userFlags(email, username))
	}
	n.Status, n.IsActive, n.IsStaff, n.IsSuperuser = model.StatusApproved, true, true, true
	var u *model.User
	err := a.DB.InTx(cmd.Context(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		u, err = a.Accounts.CreateUser(ctx, tx, n, nil)
		return err
	})
	var problem *httpx.Problem
	if errors.As(err, &problem) {
		if errs, ok := problem.Body.(httpx.FieldErrors); ok {
			return describeFieldErrors(errs, userFlags(email, username))
		}
	}
	if err != nil {
		return fmt.Errorf("create the superuser: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "created superuser %s (id %d, company id %s)\n", u.Email, u.ID, *u.CompanyID)
	return nil
}

// userFlags names the flags behind the fields of a new account for
// describeFieldErrors.
func userFlags(email, username string) map[string]string {
	return map[string]string{"email": fmt.Sprintf("--email %q", email), "username": fmt.Sprintf("--username %q", username)}
}

// findUser looks up the staff account of a support command.
func findUser(ctx context.Context, db bun.IDB, email string) (*model.User, error) {
	email = strings.TrimSpace(email)
	u, err := accounts.UserByEmail(ctx, db, email)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("no staff account has the e-mail address %q", email)
	}
	return u, err
}

func newUserCommand() *cobra.Command {
	user := &cobra.Command{Use: "user", Short: "Support operations on staff accounts"}
	var unlockEmail, passwordEmail string
	unlock := &cobra.Command{
		Use:   "unlock --email E",
		Short: "Lift a lock and reset the failure counters of a staff account",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			a, err := openApp(ctx, true)
			if err != nil {
				return err
			}
			defer a.Close()
			u, err := findUser(ctx, a.DB, unlockEmail)
			if err != nil {
				return err
			}
			err = a.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				if err := lockout.Clear(ctx, tx, lockout.Users, u.ID); err != nil {
					return err
				}
				return audit.Record(ctx, tx, a.Now(), audit.Event{Name: "account.unlocked", Details: map[string]any{"by": "command"}}.Subject("staff", u.ID))
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "unlocked %s\n", u.Email)
			return nil
		},
	}
	unlock.Flags().StringVar(&unlockEmail, "email", "", "e-mail address of the account")
	unlock.MarkFlagRequired("email")

	setPassword := &cobra.Command{
		Use:   "set-password --email E",
		Short: "Set the password of a staff account (read from standard input) and sign it out everywhere",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			a, err := openApp(ctx, true)
			if err != nil {
				return err
			}
			defer a.Close()
			u, err := findUser(ctx, a.DB, passwordEmail)
			if err != nil {
				return err
			}
			password, err := readPassword(cmd, "New password: ")
			if err != nil {
				return err
			}
			username := ""
			if u.Username != nil {
				username = *u.Username
			}
			hash, err := checkedHash(ctx, a, password, username, u.Email)
			if err != nil {
				return err
			}
			err = a.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				now := a.Now()
				_, err := tx.NewUpdate().Model((*model.User)(nil)).Set("password = ?", hash).Set("password_nfc = ?", true).
					Set("failed_login_attempts = 0").Set("updated_at = ?", now).Where("id = ?", u.ID).Exec(ctx)
				if err != nil {
					return err
				}
				if _, err := a.Tokens.RevokeSubject(ctx, tx, tokens.Staff, u.ID, tokens.ReasonPasswordChanged, ""); err != nil {
					return err
				}
				if err := accounts.RaiseTokenEpoch(ctx, tx, u.ID, now); err != nil {
					return err
				}
				return audit.Record(ctx, tx, now, audit.Event{Name: "password.changed", Details: map[string]any{"by": "command"}}.Subject("staff", u.ID))
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "password of %s changed; its sessions were signed out\n", u.Email)
			return nil
		},
	}
	setPassword.Flags().StringVar(&passwordEmail, "email", "", "e-mail address of the account")
	setPassword.MarkFlagRequired("email")
	user.AddCommand(unlock, setPassword)
	return user
}
