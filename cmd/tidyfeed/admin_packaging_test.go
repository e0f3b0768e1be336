package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/config"
)

// TestPackaging checks the systemd unit keeps its hardening and that the
// example config it points at loads.
func TestPackaging(t *testing.T) {
	unit, err := os.ReadFile(filepath.Join("..", "..", "packaging", "tidyfeed.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"DynamicUser=yes", "StateDirectory=tidyfeed", "ProtectSystem=strict", "NoNewPrivileges=yes",
		"ExecReload=/bin/kill -HUP $MAINPID", "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=\n",
		"ExecStart=/usr/local/bin/tidyfeed run -config /etc/tidyfeed/feeds.yaml",
	} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("tidyfeed.service lacks %q", want)
		}
	}
	cfg, err := config.Load(filepath.Join("..", "..", "packaging", "feeds.yaml"))
	if err != nil {
		t.Fatalf("packaging/feeds.yaml: %v", err)
	}
	if cfg.Data != "/var/lib/tidyfeed/tidyfeed.db" || cfg.Admin.Listen == "" || cfg.Keep.IsZero() {
		t.Errorf("packaging/feeds.yaml: data %q, admin %+v, keep %+v; want the state directory, an admin address and a keep policy", cfg.Data, cfg.Admin, cfg.Keep)
	}
}
