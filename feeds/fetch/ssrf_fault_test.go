package fetch

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// resolvingFetcher returns a Fetcher whose guarded transport looks host
// names up in names (a stand-in for DNS) before dialling, so that a
// public-looking name can resolve to loopback or a private address the
// way an attacker's DNS would make it. allow is the guard's check.
func resolvingFetcher(t *testing.T, names func(host string) string, allow func(netip.AddrPort) bool) *Fetcher {
	t.Helper()
	tr := newTransport(allow)
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if ip := names(host); ip != "" {
			addr = net.JoinHostPort(ip, port)
		}
		return dial(ctx, network, addr) // the guard runs here, on the resolved address
	}
	t.Cleanup(tr.CloseIdleConnections)
	return newFetcher(Options{Transport: tr}, nil)
}

// TestFetchSSRFThroughNamesAndRedirects: whatever the URL says, the guard
// refuses the connection when the address actually dialled is not public,
// on the first request, after a redirect, and when a name that resolved
// to the allowed server once resolves to loopback the next time (DNS
// rebinding). No request reaches the internal server.
func TestFetchSSRFThroughNamesAndRedirects(t *testing.T) {
	var reached atomic.Int64
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.Write([]byte("<rss/>"))
	}))
	t.Cleanup(internal.Close)
	_, intPort, _ := net.SplitHostPort(internal.Listener.Addr().String())

	// front stands in for a public server: the guard admits exactly it.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-name":
			http.Redirect(w, r, "http://intranet.example.com:"+intPort+"/secret", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/to-private":
			http.Redirect(w, r, "http://10.0.0.1:"+intPort+"/admin", http.StatusMovedPermanently)
		case "/to-ipv6-loopback":
			http.Redirect(w, r, "http://[::1]:"+intPort+"/", http.StatusTemporaryRedirect)
		default:
			w.Write([]byte("<rss/>"))
		}
	}))
	t.Cleanup(front.Close)
	frontAddr := netip.MustParseAddrPort(front.Listener.Addr().String())
	allow := func(ap netip.AddrPort) bool { return ap == frontAddr || isPublic(ap.Addr()) }

	var rebound atomic.Bool
	names := func(host string) string {
		switch host {
		case "feeds.example.com": // public-looking, resolves to loopback
			return "127.0.0.1"
		case "intranet.example.com":
			return "127.0.0.1"
		case "rebind.example.com": // first the allowed server, then loopback
			if rebound.Swap(true) {
				return "127.0.0.2" // loopback, but not the admitted server
			}
			return frontAddr.Addr().String()
		}
		return ""
	}
	f := resolvingFetcher(t, names, allow)
	frontPort := frontAddr.Port()
	for _, tc := range []struct {
		name, url string
		want      string // the refused address, as the error names it
	}{
		{"public-looking name resolving to loopback", "http://feeds.example.com:" + intPort + "/feed", "127.0.0.1"},
		{"redirect to a name resolving to loopback", front.URL + "/to-name", "127.0.0.1"},
		{"redirect to the cloud metadata address", front.URL + "/to-metadata", "169.254.169.254"},
		{"redirect to a private address", front.URL + "/to-private", "10.0.0.1"},
		{"redirect to IPv6 loopback", front.URL + "/to-ipv6-loopback", "::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Fetch(t.Context(), Request{URL: tc.url})
			if !errors.Is(err, ErrPrivateAddress) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v; want ErrPrivateAddress naming %s", err, tc.want)
			}
		})
	}
	t.Run("DNS rebinding", func(t *testing.T) {
		url := "http://rebind.example.com:" + strconv.Itoa(int(frontPort)) + "/feed"
		if _, err := f.Fetch(t.Context(), Request{URL: url}); err != nil {
			t.Fatalf("first fetch (resolving to the allowed server): %v", err)
		}
		f.client.Transport.(*http.Transport).CloseIdleConnections() // force a new dial
		_, err := f.Fetch(t.Context(), Request{URL: url})
		if !errors.Is(err, ErrPrivateAddress) || !strings.Contains(err.Error(), "127.0.0.2") {
			t.Errorf("second fetch after the name moved to loopback: %v; want ErrPrivateAddress", err)
		}
	})
	if n := reached.Load(); n != 0 {
		t.Errorf("the internal server got %d requests; want none", n)
	}
}
