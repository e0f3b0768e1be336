package fetch

import (
	"fmt"
	"net/netip"
	"syscall"
)

// blockedPrefixes are non-public ranges that netip.Addr's predicates do not
// already cover.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT shared address space
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("100::/64"),        // discard-only
}

// embeddedV4 are IPv6 prefixes whose last 32 bits carry an IPv4 address
// that the connection effectively reaches (NAT64, IPv4-compatible).
var embeddedV4 = []netip.Prefix{
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("::/96"),
}

// isPublic reports whether addr is a globally routable unicast address.
func isPublic(addr netip.Addr) bool {
	addr = addr.Unmap()
	if addr.Is6() {
		for _, p := range embeddedV4 {
			if p.Contains(addr) {
				b := addr.As16()
				v4 := netip.AddrFrom4([4]byte(b[12:]))
				if v4.IsUnspecified() { // "::" itself
					return false
				}
				return isPublic(v4)
			}
		}
	}
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsUnspecified() ||
		addr.IsLinkLocalUnicast() || addr.IsMulticast() || !addr.IsGlobalUnicast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// dialGuard returns a net.Dialer Control function that refuses any address
// for which allow returns false. It runs after name resolution, once per
// address dialled, so it sees the real destination of every connection.
func dialGuard(allow func(netip.AddrPort) bool) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		// The caller's net.OpError already names network and address.
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("unparseable address %q: %w", address, ErrPrivateAddress)
		}
		if !allow(ap) {
			return fmt.Errorf("%s: %w", ap.Addr(), ErrPrivateAddress)
		}
		return nil
	}
}
