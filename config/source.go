package config

import "github.com/tidyfeed/tidyfeed/feeds"

// Source converts f into the pipeline's feeds.Source. The ID is the URL as
// written, or "file:" followed by the absolute path. Config.Interval is not
// applied: Source.Interval stays 0 unless the feed overrides it, which
// feeds.Source documents as "the configured default". The slices are shared
// with f, not copied.
func (f Feed) Source() feeds.Source {
	id := f.URL
	if id == "" {
		id = "file:" + f.Path
	}
	var repl []feeds.Replacement
	for _, r := range f.Replace {
		repl = append(repl, feeds.Replacement{Pattern: r.Pattern, With: r.With})
	}
	return feeds.Source{
		ID:       id,
		Name:     f.Name,
		URL:      f.URL,
		Path:     f.Path,
		Interval: f.Interval,
		Tags:     f.Tags,
		Priority: f.Priority,
		NoDedupe: !f.Dedupe,
		Clean:    feeds.CleanRules{Remove: f.Remove, Replace: repl, Disable: f.Disable},
	}
}

// Sources converts every feed of c, in file order; see Feed.Source.
func (c *Config) Sources() []feeds.Source {
	out := make([]feeds.Source, len(c.Feeds))
	for i, f := range c.Feeds {
		out[i] = f.Source()
	}
	return out
}
