package config_test

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/tidyfeed/tidyfeed/config"
)

func ExampleLoad() {
	cfg, err := config.Load("testdata/full.yaml")
	if err != nil {
		fmt.Println(err) // one "file:line:col: message" per problem
		return
	}
	fmt.Println("listen:", cfg.Listen, "interval:", cfg.Interval)
	fmt.Println("data:", filepath.Base(cfg.Data), "max body:", cfg.Fetch.MaxBody)
	for _, f := range cfg.Feeds {
		where := f.URL
		if where == "" {
			where = filepath.Base(f.Path)
		}
		fmt.Printf("line %d: %s every %v, dedupe %v\n", f.Line, where, f.Interval, f.Dedupe)
	}
	// Output:
	// listen: 127.0.0.1:9090 interval: 45m0s
	// data: tidyfeed.db max body: 5242880
	// line 15: https://example.org/feed.xml every 1h0m0s, dedupe false
	// line 24: seed.xml every 0s, dedupe true
	// line 25: http://blog.example.com/atom every 48h0m0s, dedupe true
}

func ExampleErrors() {
	_, err := config.Parse("feeds.yaml", []byte(`intervall: 10m
feeds:
  - url: ftp://example.org/feed
`))
	fmt.Println(err)
	var errs config.Errors
	if errors.As(err, &errs) {
		fmt.Println(len(errs), "problems; first on line", errs[0].Line)
	}
	// Output:
	// feeds.yaml:1:1: unknown key "intervall" (did you mean "interval"?)
	// feeds.yaml:3:10: feeds[0].url: URL "ftp://example.org/feed" must use http or https, not ftp
	// 2 problems; first on line 1
}
