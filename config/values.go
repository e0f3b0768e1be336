package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// parseDuration accepts Go duration syntax ("90s", "1h30m") and, for
// convenience, a leading count of whole days or weeks ("2d", "1w", "1d12h").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i < len(s) && (s[i] == 'd' || s[i] == 'w') {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		unit := 24 * time.Hour
		if s[i] == 'w' {
			unit *= 7
		}
		if err != nil || n > int64(math.MaxInt64/unit) {
			return 0, fmt.Errorf("duration %q is out of range", s)
		}
		days := time.Duration(n) * unit
		if rest := s[i+1:]; rest != "" {
			r, err := parseGoDuration(rest)
			if err != nil || r < 0 {
				return 0, fmt.Errorf("invalid duration %q", s)
			}
			if days > math.MaxInt64-r {
				return 0, fmt.Errorf("duration %q is out of range", s)
			}
			days += r
		}
		return days, nil
	}
	return parseGoDuration(s)
}

func parseGoDuration(s string) (time.Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil {
		if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
			return 0, fmt.Errorf("duration %q has no unit", s)
		}
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return v, nil
}

// sizeUnits maps the lower-cased unit suffixes parseSize accepts to bytes.
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1000, "mb": 1000 * 1000, "gb": 1000 * 1000 * 1000,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
}

// parseSize accepts a byte count ("1048576") or a number with a decimal
// (KB, MB, GB) or binary (KiB, MiB, GiB) unit, case-insensitively, with an
// optional space: "10MB", "1.5 MiB", "512KB".
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unit := s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	mult, ok := sizeUnits[unit]
	if num == "" || !ok {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil {
		if n > math.MaxInt64/mult {
			return 0, fmt.Errorf("size %q is out of range", s)
		}
		return n * mult, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	v := f * float64(mult)
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is out of range", s)
	}
	return int64(math.Round(v)), nil
}

// formatSize renders n bytes the way messages show limits: "1KB", "1GB".
func formatSize(n int64) string {
	switch {
	case n%1e9 == 0:
		return fmt.Sprintf("%dGB", n/1e9)
	case n%1e6 == 0:
		return fmt.Sprintf("%dMB", n/1e6)
	case n%1e3 == 0:
		return fmt.Sprintf("%dKB", n/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

// formatDuration renders d with whole days when it has them: "30d", "1m0s".
func formatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}

// suggest returns the known key closest to key, or "" if none is close
// enough to be a likely typo.
func suggest(key string, known []string) string {
	if len(key) > 64 {
		return ""
	}
	best, bestDist := "", 0
	lk := strings.ToLower(key)
	for _, k := range known {
		dist := editDistance(lk, k)
		if best == "" || dist < bestDist {
			best, bestDist = k, dist
		}
	}
	limit := max(1, min(3, len(best)/3))
	if best == "" || bestDist > limit {
		return ""
	}
	return best
}

// editDistance is the optimal-string-alignment distance between a and b,
// by bytes: insertions, deletions, substitutions and swaps of neighbours
// each cost 1, so "ulr" is one edit from "url".
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func joinQuoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
