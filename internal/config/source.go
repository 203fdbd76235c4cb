package config

import (
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// source reads variables from an environment and collects every problem and
// warning, so that Load can report all of them at once.
type source struct {
	getenv   func(string) (string, bool)
	problems []string
	warnings []string
}

// lookup returns the value of the first variable in names that is set. The
// first name is the preferred one (the AUTHD_ name): when it and an original
// Django name are both set with different values, the preferred name wins and
// a warning says so. A secret may also come from <NAME>_FILE.
func (s *source) lookup(names ...string) (value, name string, ok bool) {
	for _, candidate := range names {
		v, set := s.get(candidate)
		if !set {
			continue
		}
		if !ok {
			value, name, ok = v, candidate, true
			continue
		}
		if v != value {
			s.warnings = append(s.warnings, fmt.Sprintf("%s and %s are both set and differ; using %s", name, candidate, name))
		}
	}
	return value, name, ok
}

// get reads one variable, falling back to the file named by <name>_FILE.
func (s *source) get(name string) (string, bool) {
	if v, ok := s.getenv(name); ok {
		return v, true
	}
	path, ok := s.getenv(name + "_FILE")
	if !ok || path == "" {
		return "", false
	}
	content, err := os.ReadFile(path)
	if err != nil {
		s.problems = append(s.problems, fmt.Sprintf("%s_FILE: cannot read %q: %v", name, path, err))
		return "", false
	}
	return strings.TrimSpace(string(content)), true
}

func (s *source) str(fallback string, names ...string) string {
	if v, _, ok := s.lookup(names...); ok {
		return strings.TrimSpace(v)
	}
	return fallback
}

func (s *source) boolean(fallback bool, names ...string) bool {
	v, name, ok := s.lookup(names...)
	if !ok || strings.TrimSpace(v) == "" {
		return fallback
	}
	b, err := parseBool(v)
	if err != nil {
		s.problems = append(s.problems, fmt.Sprintf("%s: %v", name, err))
		return fallback
	}
	return b
}

func (s *source) integer(fallback int, names ...string) int {
	v, name, ok := s.lookup(names...)
	if !ok || strings.TrimSpace(v) == "" {
		return fallback
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		s.problems = append(s.problems, fmt.Sprintf("%s: %q is not a whole number", name, v))
		return fallback
	}
	return n
}

func (s *source) duration(fallback time.Duration, names ...string) time.Duration {
	v, name, ok := s.lookup(names...)
	if !ok || strings.TrimSpace(v) == "" {
		return fallback
	}
	d, err := parseDuration(v)
	if err != nil {
		s.problems = append(s.problems, fmt.Sprintf("%s: %v", name, err))
		return fallback
	}
	return d
}

func (s *source) list(fallback []string, names ...string) []string {
	v, _, ok := s.lookup(names...)
	if !ok {
		return fallback
	}
	return splitList(v)
}

// prefixes parses a list of IP addresses and CIDR ranges.
func (s *source) prefixes(names ...string) []netip.Prefix {
	v, name, ok := s.lookup(names...)
	if !ok {
		return nil
	}
	var out []netip.Prefix
	for _, item := range splitList(v) {
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				s.problems = append(s.problems, fmt.Sprintf("%s: %q is not a CIDR range", name, item))
				continue
			}
			out = append(out, p.Masked())
			continue
		}
		addr, err := netip.ParseAddr(item)
		if err != nil {
			s.problems = append(s.problems, fmt.Sprintf("%s: %q is not an IP address", name, item))
			continue
		}
		addr = addr.Unmap()
		out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
	}
	return out
}

// parseBool accepts the spellings Django settings and HTML forms use.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "t", "yes", "y", "on":
		return true, nil
	case "0", "false", "f", "no", "n", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (use true or false)", v)
}

// parseDuration accepts Go duration syntax ("15m", "168h") or a bare number
// of seconds ("300").
func parseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if seconds, err := strconv.ParseFloat(v, 64); err == nil {
		if seconds < 0 {
			return 0, fmt.Errorf("%q is negative", v)
		}
		return time.Duration(seconds * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (use 300s, 15m, 168h or a number of seconds)", v)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", v)
	}
	return d, nil
}

func splitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item != "" && !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out
}
