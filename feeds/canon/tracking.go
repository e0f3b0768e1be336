package canon

import "strings"

// trackingParams are query parameter names (lower case) that identify a
// click, a campaign or a subscriber and never select content. Sources:
// the parameter lists of ClearURLs, Firefox's query stripping, Brave's
// debouncer and the analytics vendors' own documentation.
var trackingParams = map[string]bool{
	// Google (Ads, Analytics, Merchant, DoubleClick)
	"gclid": true, "gclsrc": true, "dclid": true, "gbraid": true, "wbraid": true,
	"gad_source": true, "srsltid": true, "_ga": true, "_gl": true,
	// Microsoft, Yandex, Twitter/X, TikTok, LinkedIn, Facebook, Instagram
	"msclkid": true, "ocid": true, "cvid": true, "yclid": true, "ysclid": true,
	"twclid": true, "ref_src": true, "ref_url": true, "ttclid": true,
	"li_fat_id": true, "trk": true, "trkcampaign": true, "fbclid": true,
	"igshid": true, "igsh": true, "mibextid": true,
	// Mailchimp, HubSpot, Marketo, Klaviyo, ConvertKit, Drip, Bronto, Vero
	"mc_cid": true, "mc_eid": true, "_hsenc": true, "_hsmi": true,
	"__hstc": true, "__hssc": true, "__hsfp": true, "hsctatracking": true,
	"mkt_tok": true, "_kx": true, "ck_subscriber_id": true, "__s": true,
	"_bta_tid": true, "_bta_c": true, "vero_conv": true, "vero_id": true,
	// Adobe, Webtrends, AT Internet, comScore, Openstat, Branch, Impact
	"s_cid": true, "s_kwcid": true, "ef_id": true, "wt.mc_id": true,
	"wt_mc_id": true, "xtor": true, "at_medium": true, "at_campaign": true,
	"at_custom1": true, "ns_mchannel": true, "ns_source": true,
	"ns_campaign": true, "ns_linkname": true, "ns_fee": true,
	"_openstat": true, "_branch_match_id": true, "irclickid": true,
	"irgwc": true, "rb_clickid": true,
	// Matomo/Piwik campaign names, Yahoo/Engadget feed ids, Oath consent
	"pk_campaign": true, "pk_kwd": true, "pk_source": true, "pk_medium": true,
	"pk_content": true, "piwik_campaign": true, "piwik_kwd": true,
	"ncid": true, "guccounter": true, "guce_referrer": true,
	"guce_referrer_sig": true,
	// Generic share/campaign markers used by many news sites
	"cmpid": true, "icid": true, "sr_share": true, "soc_src": true,
	"soc_trk": true, "dm_i": true, "epik": true, "wickedid": true,
}

// trackingPrefixes are name prefixes (lower case) whose every parameter is
// tracking: Google's utm_* family, Matomo's mtm_*, HubSpot ads' hsa_*,
// Olytics' oly_* and Vero's vero_*.
var trackingPrefixes = []string{"utm_", "mtm_", "hsa_", "oly_", "vero_"}

// hostTracking lists parameters that are tracking only on some hosts
// (domain and its subdomains); elsewhere they may carry meaning. "ref" is
// kept everywhere else: on GitHub or Gerrit it names a branch.
var hostTracking = []struct {
	domain string
	params []string
}{
	{"producthunt.com", []string{"ref"}},
	{"betalist.com", []string{"ref"}},
	{"medium.com", []string{"source"}},
	{"youtube.com", []string{"si", "feature"}},
	{"youtu.be", []string{"si", "feature"}},
	{"spotify.com", []string{"si"}},
	{"aliexpress.com", []string{"spm"}},
	{"alibaba.com", []string{"spm"}},
	{"taobao.com", []string{"spm"}},
	{"tmall.com", []string{"spm"}},
	{"nytimes.com", []string{"smid", "partner"}},
	{"theguardian.com", []string{"cmp"}},
	{"bbc.co.uk", []string{"ocid", "at_medium", "ito"}},
	{"bbc.com", []string{"ocid", "at_medium", "ito"}},
	{"reddit.com", []string{"share_id", "utm_name"}},
	{"x.com", []string{"s", "t"}},
	{"twitter.com", []string{"s", "t"}},
	{"instagram.com", []string{"igshid", "igsh", "img_index"}},
	{"amazon.com", []string{"pd_rd_r", "pd_rd_w", "pd_rd_wg", "pf_rd_p", "pf_rd_r", "ref_", "content-id"}},
}

// IsTrackingParam reports whether a query parameter name is a tracking
// parameter on every host: utm_* in any letter case, fbclid, gclid, mc_eid
// and the rest of the list in tracking.go. Host-specific names such as
// Product Hunt's "ref" are not included; Clean knows those.
func IsTrackingParam(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	if trackingParams[n] {
		return true
	}
	for _, p := range trackingPrefixes {
		if strings.HasPrefix(n, p) && len(n) > len(p) {
			return true
		}
	}
	return false
}

// isTrackingFor reports whether name is tracking on host (a hostKey).
func isTrackingFor(name, host string) bool {
	if IsTrackingParam(name) {
		return true
	}
	n := strings.ToLower(name)
	for _, h := range hostTracking {
		if !hostIs(host, h.domain) {
			continue
		}
		for _, p := range h.params {
			if n == p {
				return true
			}
		}
	}
	return false
}
