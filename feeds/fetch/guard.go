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
	netip.MustParsePrefix("3fff::/20"),       // documentation (RFC 9637)
	netip.MustParsePrefix("2001:2::/48"),     // benchmarking (RFC 5180)
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("fec0::/10"),       // site-local, deprecated (RFC 3879)
	// Local-use NAT64 (RFC 8215) is blocked whole rather than looked
	// through: the operator picks the translation prefix's length (/48 to
	// /96), and with it where the IPv4 address sits, so the embedded
	// address cannot be read reliably. The prefix is for one network's own
	// translators and is never globally routed.
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// embeddedV4 are IPv6 prefixes whose last 32 bits carry an IPv4 address
// that the connection effectively reaches (well-known NAT64 prefix,
// IPv4-compatible).
var embeddedV4 = []netip.Prefix{
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("::/96"),
}

// sixToFour is the 6to4 prefix (RFC 3056): bits 16 to 48 carry the IPv4
// address of the relay that the packets are tunnelled to.
var sixToFour = netip.MustParsePrefix("2002::/16")

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
		if sixToFour.Contains(addr) {
			b := addr.As16()
			if !isPublic(netip.AddrFrom4([4]byte(b[2:6]))) {
				return false
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
