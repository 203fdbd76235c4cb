package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mapactive/authd/internal/apikeys"
	"github.com/mapactive/authd/internal/httpx"
)

// parseDuration reads a Go duration ("720h", "15m") or a bare number of
// seconds, like the duration variables of the configuration.
func parseDuration(flag, value string) (time.Duration, error) {
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		return time.Duration(seconds) * time.Second, nil
	}
	d, err := time.ParseDuration(value)
	if err != nil {
		return 0, fmt.Errorf("invalid %s %q: use a duration such as 720h or 90m, or a number of seconds", flag, value)
	}
	return d, nil
}

// describeFieldErrors turns validation errors into one command-line error
// with a sentence per field. flags maps a field to the flag and value that set
// it, such as --email "x", so the message names what the user typed. A
// password error reads like one from checkedHash.
func describeFieldErrors(errs httpx.FieldErrors, flags map[string]string) error {
	fields := make([]string, 0, len(errs))
	for field := range errs {
		fields = append(fields, field)
	}
	sort.Strings(fields)
	parts := make([]string, 0, len(fields))
	for _, field := range fields {
		label, ok := flags[field]
		if !ok {
			label = field
		}
		parts = append(parts, label+" rejected: "+strings.Join(errs[field], " "))
	}
	return errors.New(strings.Join(parts, " "))
}

// describeKeyError turns a refusal of the key service into a command-line
// error. flags is as for describeFieldErrors.
func describeKeyError(id int64, err error, flags map[string]string) error {
	var problem *httpx.Problem
	switch {
	case errors.Is(err, apikeys.ErrNotFound):
		return fmt.Errorf("no API key has id %d (see authd apikey list --all)", id)
	case errors.Is(err, apikeys.ErrRevoked):
		return fmt.Errorf("API key %d is revoked or already rotated", id)
	case errors.As(err, &problem):
		if errs, ok := problem.Body.(httpx.FieldErrors); ok {
			return describeFieldErrors(errs, flags)
		}
	}
	return err
}

// printCreated writes the new key alone on standard output, for scripts,
// and its description on standard error.
func printCreated(cmd *cobra.Command, verb string, created *apikeys.Created) {
	k := created.Key
	expires := "never"
	if k.ExpiresAt != nil {
		expires = k.ExpiresAt.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%s API key %d %q (prefix %s, scopes %s, expires %s).\n", verb, k.ID, k.Name, k.Prefix,
		strings.Join(k.Scopes(), ","), expires)
	fmt.Fprintln(cmd.ErrOrStderr(), "Store the key now: authd keeps only its hash and cannot show it again.")
	fmt.Fprintln(cmd.OutOrStdout(), created.Plain)
}

func newAPIKeyCommand() *cobra.Command {
	group := &cobra.Command{Use: "apikey", Short: "Manage the API keys of the internal endpoints"}
	group.AddCommand(newAPIKeyCreateCommand(), newAPIKeyListCommand(), newAPIKeyRevokeCommand(), newAPIKeyRotateCommand())
	return group
}

func newAPIKeyCreateCommand() *cobra.Command {
	var name, scopes, expiresIn string
	cmd := &cobra.Command{
		Use:   "create --name N --scopes S[,S] [--expires-in D]",
		Short: "Create an API key and print it once",
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" || scopes == "" {
				return errors.New("--name and --scopes are required, such as --name helpdesk --scopes users:read,employees:read")
			}
			ctx := cmd.Context()
			a, err := openApp(ctx, true)
			if err != nil {
				return err
			}
			defer a.Close()
			values := map[string]any{"name": name, "scopes": splitScopes(scopes)}
			if expiresIn != "" {
				d, err := parseDuration("--expires-in", expiresIn)
				if err != nil {
					return err
				}
				values["expires_at"] = a.Now().Add(d).UTC().Format(time.RFC3339Nano)
			}
			flags := map[string]string{"name": fmt.Sprintf("--name %q", name), "scopes": fmt.Sprintf("--scopes %q", scopes),
				"expires_at": fmt.Sprintf("--expires-in %q", expiresIn)}
			spec, fieldErrors := apikeys.ReadSpec(httpx.NewInput(values), a.Now(), false)
			if !fieldErrors.Empty() {
				return describeFieldErrors(fieldErrors, flags)
			}
			created, err := a.APIKeys.Create(ctx, spec, nil)
			if err != nil {
				return describeKeyError(0, err, flags)
			}
			printCreated(cmd, "Created", created)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "name of the key, unique among active keys (1 to 100 characters)")
	cmd.Flags().StringVar(&scopes, "scopes", "", "comma-separated scopes: users:read, employees:read, assignments:read, or * for all")
	cmd.Flags().StringVar(&expiresIn, "expires-in", "", "lifetime of the key, such as 2160h or a number of seconds (default: no expiry)")
	return cmd
}

// splitScopes turns "a, b" into a list for ReadSpec.
func splitScopes(flag string) []any {
	items := []any{}
	for _, part := range strings.Split(flag, ",") {
		if part = strings.TrimSpace(part); part != "" {
			items = append(items, part)
		}
	}
	return items
}

func newAPIKeyListCommand() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "list [--all]",
		Short: "List the API keys (revoked ones with --all)",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			a, err := openApp(ctx, true)
			if err != nil {
				return err
			}
			defer a.Close()
			keys, err := a.APIKeys.List(ctx, all)
			if err != nil {
				return err
			}
			writeKeyTable(cmd.OutOrStdout(), keys, a.Now())
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include revoked keys")
	return cmd
}

func writeKeyTable(out io.Writer, keys []apikeys.Key, now time.Time) {
	table := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(table, "ID\tNAME\tPREFIX\tSCOPES\tSTATE\tEXPIRES\tLAST USED")
	for i := range keys {
		k := &keys[i]
		state := "active"
		switch {
		case k.Revoked(now):
			state = "revoked"
		case k.Expired(now):
			state = "expired"
		case k.RevokedAt != nil:
			state = "ends " + k.RevokedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(table, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, strings.Join(k.Scopes(), ","), state,
			timeOrDash(k.ExpiresAt), timeOrDash(k.LastUsedAt))
	}
	table.Flush()
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func newAPIKeyRevokeCommand() *cobra.Command {
	var id int64
	cmd := &cobra.Command{
		Use:   "revoke --id I",
		Short: "Revoke an API key at once",
		RunE: func(cmd *cobra.Command, args []string) error {
			if id <= 0 {
				return errors.New("--id is required: the id shown by authd apikey list")
			}
			ctx := cmd.Context()
			a, err := openApp(ctx, true)
			if err != nil {
				return err
			}
			defer a.Close()
			k, err := a.APIKeys.Revoke(ctx, id, nil)
			if err != nil {
				return describeKeyError(id, err, nil)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked API key %d %q\n", k.ID, k.Name)
			return nil
		},
	}
	cmd.Flags().Int64Var(&id, "id", 0, "id of the key")
	return cmd
}

func newAPIKeyRotateCommand() *cobra.Command {
	var id int64
	var overlap string
	cmd := &cobra.Command{
		Use:   "rotate --id I [--overlap D]",
		Short: "Replace an API key by a new one and print it once",
		Long:  "The new key keeps the name, scopes and expiry. The old key keeps working for the overlap (0 by default, at most 168h) and is then revoked.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if id <= 0 {
				return errors.New("--id is required: the id shown by authd apikey list")
			}
			var d time.Duration
			if overlap != "" {
				var err error
				if d, err = parseDuration("--overlap", overlap); err != nil {
					return err
				}
				if d < 0 || d > apikeys.MaxOverlap {
					return fmt.Errorf("invalid --overlap %q: use 0 to 168h", overlap)
				}
			}
			ctx := cmd.Context()
			a, err := openApp(ctx, true)
			if err != nil {
				return err
			}
			defer a.Close()
			created, err := a.APIKeys.Rotate(ctx, id, d, nil)
			if err != nil {
				return describeKeyError(id, err, nil)
			}
			printCreated(cmd, "Rotated to", created)
			return nil
		},
	}
	cmd.Flags().Int64Var(&id, "id", 0, "id of the key to replace")
	cmd.Flags().StringVar(&overlap, "overlap", "", "how long the old key keeps working, such as 10m or a number of seconds (default 0)")
	return cmd
}
