package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// demoConfig copies the shipped demo feed into a temporary folder with a
// config that reads it, and returns the config's path.
func demoConfig(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "demo", "seed.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "seed.xml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "feeds.yaml")
	yaml := "feeds:\n  - path: seed.xml\n    name: Demo World News\n" + extra
	if err := os.WriteFile(config, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return config
}

func TestExplain(t *testing.T) {
	config := demoConfig(t, "")
	if _, _, err := tidyfeed(t, "poll", "-config", config); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"Demo World News", []string{"Entry:  France and US urge Russia", "share/ui", "ads/marker: \"ADVERTISEMENT\"", "related/marker", "== After"}},
		{"https://news.example.com/2015/11/23/riverside-library?utm_source=x", []string{"Entry:  City council opens", "tracking pixel", "appeared first on"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			out, stderr, err := tidyfeed(t, "explain", "-config", config, tt.query)
			if err != nil {
				t.Fatalf("explain: %v\n%s", err, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("explain output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	if _, _, err := tidyfeed(t, "explain", "-config", config, "no such thing"); err == nil {
		t.Error("explain of an unknown entry succeeded")
	}
}

func TestRecleanAppliesNewRules(t *testing.T) {
	config := demoConfig(t, "")
	if _, _, err := tidyfeed(t, "poll", "-config", config); err != nil {
		t.Fatal(err)
	}
	out, _, err := tidyfeed(t, "reclean", "-config", config)
	if err != nil || !strings.Contains(out, "2 entries, 0 changed") {
		t.Fatalf("reclean with unchanged rules: %v\n%s", err, out)
	}
	// A per-feed rule added to the config reaches stored entries.
	config = demoConfig(t, "    remove: [\"img\"]\n")
	if _, _, err := tidyfeed(t, "poll", "-config", config); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(config)
	os.WriteFile(config, []byte(strings.Replace(string(data), "    remove: [\"img\"]\n", "", 1)), 0o644)
	if _, _, err := tidyfeed(t, "reclean", "-config", config); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range exportItems(t, config, "json") {
		found = found || strings.Contains(it.HTML[0], "<img")
	}
	if !found {
		t.Error("after dropping the remove rule and recleaning, the image is still gone")
	}
	os.WriteFile(config, data, 0o644)
	out, _, err = tidyfeed(t, "reclean", "-config", config)
	if err != nil || !strings.Contains(out, "1 changed") {
		t.Errorf("reclean after adding remove: [img]: %v\n%s", err, out)
	}
	for _, it := range exportItems(t, config, "json") {
		if strings.Contains(it.HTML[0], "<img") {
			t.Errorf("reclean left an image the rule removes: %s", it.HTML[0])
		}
	}
}
