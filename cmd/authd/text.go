package main

import "fmt"

// countOf returns n followed by the singular or plural noun that n calls
// for, as in "1 message" or "3 messages".
func countOf(n int, singular, plural string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, singular)
	}
	return fmt.Sprintf("%d %s", n, plural)
}
