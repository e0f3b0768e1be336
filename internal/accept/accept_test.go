package accept_test

import (
	"testing"

	"github.com/tidyfeed/tidyfeed/internal/accept"
)

func TestGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.0, *", false},
		{"*", true},
		{"*;q=0", false},
		{"br", false},
		{"x-gzip", true},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			if got := accept.Gzip(tt.header); got != tt.want {
				t.Errorf("Gzip(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}
