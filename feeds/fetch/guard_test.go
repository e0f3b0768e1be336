package fetch

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

func TestIsPublic(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"93.184.216.34", true},
		{"8.8.8.8", true},
		{"2606:4700:4700::1111", true},
		{"127.0.0.1", false},
		{"127.1.2.3", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"172.32.0.1", true},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"100.64.0.1", false},      // CGNAT
		{"100.127.255.255", false},
		{"100.128.0.1", true},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"::", false},
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"255.255.255.255", false},
		{"240.0.0.1", false},
		{"198.18.0.1", false},
		{"192.0.2.1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"fe80::1", false},
		{"ff02::1", false},
		{"::ffff:127.0.0.1", false}, // IPv4-mapped loopback
		{"::ffff:10.0.0.1", false},
		{"::ffff:169.254.169.254", false},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::7f00:1", false}, // NAT64 of 127.0.0.1
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"::127.0.0.1", false},     // IPv4-compatible
		{"2001:db8::1", false},
		{"64:ff9b:1::a00:1", false},   // local-use NAT64 (RFC 8215) of 10.0.0.1
		{"64:ff9b:1::808:808", false}, // local-use NAT64 is blocked whole, even of 8.8.8.8
		{"2002:7f00:1::1", false},     // 6to4 of 127.0.0.1
		{"2002:a9fe:a9fe::1", false},  // 6to4 of 169.254.169.254
		{"2002:a00:1::1", false},      // 6to4 of 10.0.0.1
		{"2002::1", false},            // 6to4 of 0.0.0.0
		{"2002:808:808::1", true},     // 6to4 of 8.8.8.8
		{"fec0::1", false},            // site-local (RFC 3879)
		{"feff::1", false},            // still site-local
		{"2001:2::1", false},          // benchmarking (RFC 5180)
		{"2001:2:0:ffff::1", false},
		{"3fff::1", false}, // documentation (RFC 9637)
		{"3fff:fff::1", false},
		{"3ffe:ffff::1", true}, // just below 3fff::/20
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := isPublic(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("isPublic(%s) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}

func TestDialGuard(t *testing.T) {
	guard := dialGuard(isPublicAddrPort)
	tests := []struct {
		address string
		wantErr bool
	}{
		{"93.184.216.34:443", false},
		{"[2606:4700:4700::1111]:443", false},
		{"127.0.0.1:80", true},
		{"[::ffff:127.0.0.1]:80", true},
		{"not-an-address", true},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			err := guard("tcp", tt.address, nil)
			if tt.wantErr != errors.Is(err, ErrPrivateAddress) {
				t.Errorf("guard(%s) = %v, want ErrPrivateAddress: %v", tt.address, err, tt.wantErr)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"0", now},
		{"3600", now.Add(time.Hour)},
		{" 60 ", now.Add(time.Minute)},
		{"-5", time.Time{}},
		{"1.5", time.Time{}},
		{"99999999999", now.Add(365 * 24 * time.Hour)},
		{"Wed, 25 Nov 2026 13:00:00 GMT", now.Add(time.Hour)},
		{"Wednesday, 25-Nov-26 13:00:00 GMT", now.Add(time.Hour)}, // RFC 850
		{"Wed Nov 25 13:00:00 2026", now.Add(time.Hour)},          // asctime
		{"tomorrow", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseRetryAfter(tt.in, now); !got.Equal(tt.want) {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
