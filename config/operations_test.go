package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAdminAndKeep(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "admin.pass"), []byte("s3cret\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "feeds.yaml")
	cfg, err := Parse(path, []byte(`
listen: 127.0.0.1:8080
admin:
  listen: 127.0.0.1:9090
  username: ops
  password_file: admin.pass
keep: {max_age: 90d, max_items: 500}
feeds:
  - url: https://a.example/feed
    keep: {max_items: 50}
  - url: https://b.example/feed
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Admin{Listen: "127.0.0.1:9090", Username: "ops", Password: "s3cret"}
	if cfg.Admin != want {
		t.Errorf("Admin = %+v, want %+v", cfg.Admin, want)
	}
	if got := (Keep{MaxAge: 90 * 24 * time.Hour, MaxItems: 500}); cfg.Keep != got {
		t.Errorf("Keep = %+v, want %+v", cfg.Keep, got)
	}
	tests := []struct {
		name string
		feed int
		want Keep
	}{
		{"own max_items, global max_age", 0, Keep{MaxAge: 90 * 24 * time.Hour, MaxItems: 50}},
		{"global keep", 1, Keep{MaxAge: 90 * 24 * time.Hour, MaxItems: 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cfg.Feeds[tt.feed].Keep.Or(cfg.Keep); got != tt.want {
				t.Errorf("feeds[%d] keep = %+v, want %+v", tt.feed, got, tt.want)
			}
		})
	}
}

func TestAdminAndKeepDefaults(t *testing.T) {
	cfg, err := Parse(filepath.Join(t.TempDir(), "feeds.yaml"), []byte("feeds: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Admin != (Admin{}) || !cfg.Keep.IsZero() {
		t.Errorf("defaults: Admin %+v, Keep %+v; want zero values (shared listener, keep everything)", cfg.Admin, cfg.Keep)
	}
}

func TestAdminAndKeepErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feeds.yaml")
	tests := []struct {
		name string
		yaml string
		want []wantErr
	}{
		{"admin listen equals listen", "listen: 127.0.0.1:8080\nadmin:\n  listen: 127.0.0.1:8080\n",
			[]wantErr{{3, 11, "is the public listen address"}}},
		{"admin listen malformed", "admin:\n  listen: nope\n", []wantErr{{2, 11, "admin.listen"}}},
		{"username without password", "admin:\n  username: ops\n", []wantErr{{2, 3, "needs a password"}}},
		{"username with empty password", "admin:\n  username: ops\n  password: \"\"\n",
			[]wantErr{{3, 3, "admin.password is empty"}}},
		{"username with bare password key", "admin:\n  username: ops\n  password:\n",
			[]wantErr{{3, 3, "admin.password is empty"}}},
		{"username with null password", "admin:\n  username: ops\n  password: ~\n",
			[]wantErr{{3, 3, "admin.password is empty"}}},
		{"password without username", "admin:\n  password: x\n", []wantErr{{2, 3, "needs an admin.username"}}},
		{"both password and file", "admin:\n  username: ops\n  password: x\n  password_file: p\n",
			[]wantErr{{4, 3, "both password and password_file"}, {4, 18, "admin.password_file"}}},
		{"typo in admin", "admin:\n  lisen: :9090\n", []wantErr{{2, 3, `did you mean "listen"`}}},
		{"keep max_age too short", "keep:\n  max_age: 5m\n", []wantErr{{2, 12, "keep.max_age must be between"}}},
		{"keep max_items zero", "keep: {max_items: 0}\n", []wantErr{{1, 19, "keep.max_items must be between 1"}}},
		{"feed keep typo", "feeds:\n  - url: https://a.example/\n    keep: {max_item: 3}\n", []wantErr{{3, 12, `did you mean "max_items"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(path, []byte(tt.yaml))
			checkErrors(t, err, path, tt.want)
		})
	}
}

func TestKeepString(t *testing.T) {
	for _, tt := range []struct {
		k    Keep
		want string
	}{
		{Keep{}, "everything"},
		{Keep{MaxAge: 48 * time.Hour}, "max_age 2d"},
		{Keep{MaxAge: time.Hour, MaxItems: 5}, "max_age 1h0m0s, max_items 5"},
	} {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.k, got, tt.want)
		}
	}
}
