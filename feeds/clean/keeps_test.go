package clean

import (
	"slices"
	"strings"
	"testing"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// mustKeep cleans content as an entry of https://news.example with the
// given title and fails for every want string missing from the cleaned
// HTML.
func mustKeep(t *testing.T, title, content string, want ...string) {
	t.Helper()
	e := feeds.Entry{Raw: feeds.Raw{Title: title, Link: "https://news.example/2024/05/story", Content: content}}
	rep := New(Options{}).Clean(&e, Feed{})
	for _, w := range want {
		if !strings.Contains(e.Content, w) {
			t.Errorf("lost %q\nout: %s\nreport:\n%s", w, e.Content, rep)
		}
	}
}

// mustDrop cleans content as an entry titled title and fails for each of
// gone that the cleaned body still holds.
func mustDrop(t *testing.T, title, content string, gone ...string) {
	t.Helper()
	e := feeds.Entry{Raw: feeds.Raw{Title: title, Link: "https://news.example/2024/05/story", Content: content}}
	rep := New(Options{}).Clean(&e, Feed{})
	for _, g := range gone {
		if strings.Contains(e.Content, g) {
			t.Errorf("kept %q\nout: %s\nreport:\n%s", g, e.Content, rep)
		}
	}
}

// keepLead is a paragraph of plain prose that opens the test articles, so
// that what follows is not the entry's first block.
const keepLead = "<p>The committee met on Tuesday to review the figures, and members spent most of the afternoon arguing over what the numbers really meant for the coming year and for the staff.</p>"

// TestKeepsFormWrappedArticle: ASP.NET pages wrap the whole body in one
// <form>; the article must not go with it.
func TestKeepsFormWrappedArticle(t *testing.T) {
	mustKeep(t, "Council budget approved",
		`<form id="aspnetForm" action="/page.aspx"><div class="content"><p>The council approved the 2025 budget on Monday night by nine votes to four after a five-hour debate that ran well past midnight.</p><p>The largest increase goes to road repairs, which will receive twelve million euros, up from eight million last year.</p></div></form>`,
		"approved the 2025 budget", "road repairs")
}

// TestDropsSignUpForm: a form made of controls and a few words of call to
// action still goes whole.
func TestDropsSignUpForm(t *testing.T) {
	e := feeds.Entry{Raw: feeds.Raw{Title: "Council budget approved", Link: "https://news.example/a/1", Content: keepLead +
		`<form action="https://list.example/subscribe"><label for="em">Email address</label><input type="email" id="em" name="EMAIL"><p>Weekly, no spam.</p><button>Sign me up</button></form>`}}
	rep := New(Options{}).Clean(&e, Feed{})
	for _, gone := range []string{"Email address", "no spam", "Sign me up"} {
		if strings.Contains(e.Content, gone) {
			t.Errorf("kept %q of a sign-up form\nout: %s", gone, e.Content)
		}
	}
	if !slices.Contains(rep.Rules(), "cta/form") {
		t.Errorf("report has no cta/form removal:\n%s", rep)
	}
}

// TestKeepsImagesWithAltText: an image with alt text is kept unless its
// host is a known tracker, whatever words its host or path holds
// (sanitize's package documentation promises it).
func TestKeepsImagesWithAltText(t *testing.T) {
	for _, tc := range []struct{ name, title, content, keep string }{
		{"pixel in the file name", "Pixel 9 Pro review",
			`<p>The camera is the best Google has made.</p><figure><img src="https://cdn.gadgets.example/reviews/pixel-9-pro-back.jpg" alt="The Pixel 9 Pro from the back"><figcaption>The new camera bar.</figcaption></figure><p>Battery life is a full day of heavy use, and charging takes just over an hour with the official brick.</p>`,
			`alt="The Pixel 9 Pro from the back"`},
		{"track in the path", "Album of the week",
			`<p>The record opens with its strongest song.</p><p><img src="https://img.music.example/track/4411/cover.jpg" alt="Cover art of the single Blue Hour"></p><p>The rest of the album never quite reaches that height again, but it comes close in the last three songs.</p>`,
			`alt="Cover art of the single Blue Hour"`},
		{"stats host", "Unemployment falls",
			`<p>The rate fell for the third month in a row.</p><p><img src="https://stats.govt.example/charts/unemployment-2024.png" alt="Chart: unemployment rate 2019-2024"></p><p>Economists had expected the rate to hold steady after the strikes in the spring, and markets barely moved.</p>`,
			`alt="Chart: unemployment rate 2019-2024"`},
	} {
		t.Run(tc.name, func(t *testing.T) { mustKeep(t, tc.title, keepLead+tc.content, tc.keep) })
	}
}

// TestKeepsCodeBlock: code is never interface text, whatever words it
// uses.
func TestKeepsCodeBlock(t *testing.T) {
	for _, tc := range []struct{ name, content, keep string }{
		{"pre", "<p>Once you have the object, one call is enough:</p><pre><code>tweet.like()</code></pre><p>The method returns the updated object, with the like count incremented and the liked flag set to true.</p>",
			"tweet.like()"},
		{"code paragraph", "<p>Once the address is checked, one call adds it:</p><p><code>newsletter.subscribe()</code></p><p>It returns an error when the address is already on the list, which the caller can ignore.</p>",
			"newsletter.subscribe()"},
	} {
		t.Run(tc.name, func(t *testing.T) { mustKeep(t, "Liking tweets with the API", keepLead+tc.content, tc.keep) })
	}
}

// TestKeepsOrderedListItems: an article's numbered list is content even
// when its items are share-bar words; share bars are not enumerated.
func TestKeepsOrderedListItems(t *testing.T) {
	t.Run("app ranking", func(t *testing.T) {
		mustKeep(t, "The most downloaded apps of 2024", keepLead+
			"<p>These were the five most downloaded apps worldwide last year:</p><ol><li>TikTok</li><li>Instagram</li><li>Facebook</li><li>WhatsApp</li><li>Telegram</li></ol><p>Together they account for more than a quarter of all installs, according to the analytics firm that compiled the ranking.</p>",
			"<li>TikTok</li>", "<li>WhatsApp</li>", "<li>Telegram</li>")
	})
	t.Run("how-to steps", func(t *testing.T) {
		mustKeep(t, "How to send a photo from your phone", keepLead+
			"<p>It only takes four taps:</p><ol><li>Open the photo.</li><li>Tap Share.</li><li>Tap WhatsApp.</li><li>Tap Send.</li></ol><p>The photo arrives in a few seconds, compressed to save data unless you send it as a document.</p>",
			"<li>Tap Share.</li>")
	})
}

// TestDropsShareBarList: a bulleted list of share labels is still a share
// bar.
func TestDropsShareBarList(t *testing.T) {
	e := feeds.Entry{Raw: feeds.Raw{Title: "Council budget approved", Link: "https://news.example/a/1", Content: keepLead +
		`<ul><li><a href="https://news.example/s/fb">Facebook</a></li><li><a href="https://news.example/s/wa">WhatsApp</a></li><li><a href="https://news.example/s/tg">Telegram</a></li></ul>`}}
	rep := New(Options{}).Clean(&e, Feed{})
	if strings.Contains(e.Content, "WhatsApp") {
		t.Errorf("kept a share bar\nout: %s\nreport:\n%s", e.Content, rep)
	}
}

// TestKeepsSMSLinkText: an sms: link inside a sentence loses its link,
// not its text.
func TestKeepsSMSLinkText(t *testing.T) {
	mustKeep(t, "Power cuts across the county", keepLead+
		"<p>To report an outage, text <a href=\"sms:+15551234567\">OUTAGE to 55512</a> or call the hotline.</p><p>Crews expect to restore power to most homes by Thursday evening, the utility said.</p>",
		"OUTAGE to 55512")
}

// TestDropsSMSShareButton: an sms: link in a share bar still goes with
// its label.
func TestDropsSMSShareButton(t *testing.T) {
	for _, bar := range []string{
		`<ul><li><a href="sms:?&body=https://news.example/a/1">SMS</a></li><li><a href="https://www.facebook.com/sharer/sharer.php?u=x">Facebook</a></li></ul>`,
		`<p>Share this with your friends: <a href="sms:?&body=https://news.example/a/1">Text message</a> <a href="mailto:?subject=x">Email</a></p>`,
	} {
		mustDrop(t, "Council budget approved", keepLead+bar, "SMS", "Text message")
	}
}

// TestKeepsLeadOpeningWithTitle: a lead sentence that opens with the
// title is the article, not the title with a site name.
func TestKeepsLeadOpeningWithTitle(t *testing.T) {
	t.Run("quote headline", func(t *testing.T) {
		mustKeep(t, "“Nobody saw this coming”",
			"<p>“Nobody saw this coming,” said fire chief Ana Ruiz.</p><p>The blaze started shortly after midnight in a warehouse near the port and spread to three neighbouring buildings before firefighters could contain it.</p>",
			"said fire chief Ana Ruiz")
	})
	t.Run("CJK lead", func(t *testing.T) {
		mustKeep(t, "台风袭击沿海城市",
			"<p>台风袭击沿海城市，数千人被迫撤离，当局表示将持续监测风暴路径。</p><p>气象部门预计风暴将在周三减弱。</p>",
			"数千人被迫撤离")
	})
}

// TestDropsTitleWithSiteName: the title repeated with a site name before
// or after a separator still goes.
func TestDropsTitleWithSiteName(t *testing.T) {
	for _, first := range []string{
		"<h1>Council budget approved | The Harbour Gazette</h1>",
		"<p><b>Harbour Gazette: Council budget approved</b></p>",
		"<h2>Council budget approved – Harbour Gazette</h2>",
	} {
		mustDrop(t, "Council budget approved", first+keepLead, "Harbour Gazette")
	}
}

// TestKeepsLabelsSentence: a closing sentence that opens with a tag-line
// word ("Labels like…") is prose; a "Labels:" line of links still goes.
func TestKeepsLabelsSentence(t *testing.T) {
	mustKeep(t, "The indie labels that shaped the 1990s", keepLead+
		"<p>The story of the decade is also the story of small companies that took big risks on unknown bands.</p><p>Labels like <a href=\"https://en.wikipedia.org/wiki/Sub_Pop\">Sub Pop</a> signed dozens of bands that the majors had ignored.</p>",
		"signed dozens of bands")
	for _, line := range []string{
		`<p>Labels: <a href="https://blog.example/l/music">music</a>, <a href="https://blog.example/l/90s">90s</a></p>`,
		`<p>Tags <a href="https://blog.example/t/music">music</a> <a href="https://blog.example/t/nineties">nineties</a></p>`,
	} {
		mustDrop(t, "The indie labels", keepLead+line, "music")
	}
}

// TestKeepsSourceDocumentLink: a closing link to another document named
// by a noun ("Read the full ruling") is content; "Read more", "Read the
// full story" and any link back to the entry itself are still dirt.
func TestKeepsSourceDocumentLink(t *testing.T) {
	mustKeep(t, "Court strikes down the law", keepLead+
		"<p>The judges ruled 5 to 4 that the statute violated the constitution.</p><p>The decision runs to 80 pages. <a href=\"https://court.example/rulings/2024-17.pdf\">Read the full ruling</a></p>",
		"Read the full ruling")
	mustKeep(t, "Court strikes down the law", keepLead+
		"<p>The judges ruled 5 to 4 that the statute violated the constitution.</p><p><a href=\"https://court.example/rulings/2024-17.pdf\">Read the full ruling</a></p>",
		"Read the full ruling")
	for _, tail := range []string{
		`<p>The decision runs to 80 pages. <a href="https://court.example/rulings/2024-17.pdf">Read more</a></p>`,
		`<p>The decision runs to 80 pages. <a href="https://news.example/2024/05/story?utm_source=rss">Read the full ruling</a></p>`,
		`<p>The decision runs to 80 pages. <a href="https://elsewhere.example/2024/05/story">Read the full story</a></p>`,
		`<p><a href="https://news.example/2024/05/story/">Read the full ruling</a></p>`,
	} {
		mustDrop(t, "Court strikes down the law", keepLead+tail, "Read ")
	}
}

// TestKeepsSentenceAboutSubscribing: prose that describes subscribing
// ("To subscribe a reader to the list, call:") is no call to action; one
// that asks the reader still goes.
func TestKeepsSentenceAboutSubscribing(t *testing.T) {
	mustKeep(t, "A mailing list in fifty lines of Go", keepLead+
		"<p>The list keeps its subscribers in a map guarded by a mutex, so that readers can join and leave while a message is being sent.</p><p>To subscribe a reader to the list, call:</p><pre><code>list.Add(reader)</code></pre><p>Add returns an error when the address is already on the list, which callers usually ignore.</p>",
		"To subscribe a reader to the list, call:")
	for _, cta := range []string{
		"<p>Subscribe to our newsletter</p>",
		"<p>To subscribe to our newsletter, enter your email address.</p>",
		"<p>Sign up for the daily briefing</p>",
		"<p>Newsletter</p>",
		"<p>Free daily newsletter, delivered every morning</p>",
	} {
		mustDrop(t, "A mailing list in fifty lines of Go", keepLead+cta, cta)
	}
}

// TestKeepsByPhraseHeading: a title-case heading that opens with "By"
// and a determiner ("By The Numbers") names a section; "By Name" lines
// and a "By The Associated Press" paragraph are still bylines.
func TestKeepsByPhraseHeading(t *testing.T) {
	mustKeep(t, "Inflation in five charts",
		"<p>Prices rose faster than expected in April, driven by energy and rents.</p><h2>By The Numbers</h2><p>Inflation reached 3.4 percent, the highest level since the autumn, while core inflation held steady at 2.9 percent, the statistics office reported on Wednesday morning.</p>",
		"By The Numbers")
	for _, by := range []string{"<p>By The Associated Press</p>", "<h3>By Jane Smith</h3>", "<p>By A. Smith and Lee Wong</p>"} {
		mustDrop(t, "Inflation in five charts", by+keepLead, "By ")
	}
}

// TestKeepsSentenceOpeningWithSponsorWords: a short sentence that opens
// like a sponsor label and goes on after the name is prose; labels, with
// or without a pitch, still go.
func TestKeepsSentenceOpeningWithSponsorWords(t *testing.T) {
	mustKeep(t, "Wells for the valley", keepLead+
		"<p>In partnership with Oxfam, the charity built 40 wells.</p><p>Each well serves about 300 families, and the villages now plan to add solar pumps next year.</p>",
		"the charity built 40 wells")
	mustKeep(t, "Super Bowl night", keepLead+
		"<p>Advertising from Coca-Cola, Pepsi and Nike dominated the break.</p><p>A 30-second spot cost about seven million dollars this year, a record for the game.</p>",
		"dominated the break")
	for _, label := range []string{
		"<p>In partnership with Oxfam</p>",
		"<p>Presented by Acme Bank.</p>",
		"<p>Sponsored by the City of Lyon.</p>",
		"<p>Advertising from CloudCorp</p>",
		"<p>Sponsored content from CloudCorp: deploy your apps in seconds with CloudCorp Edge.</p>",
	} {
		mustDrop(t, "Wells for the valley", keepLead+label, label)
	}
}

// TestKeepsPlainListUnderMarkerHeading: a heading such as "Most popular"
// or "Recommended" over a list of plain items (no links) is the
// article's own list; over a list of links it is still a related block.
func TestKeepsPlainListUnderMarkerHeading(t *testing.T) {
	mustKeep(t, "Olivia and Noah top baby-name chart again",
		"<p>Olivia and Noah were once again the most common names given to newborns last year, the statistics office said on Friday, for the fifth year running.</p><h2>Most popular</h2><ol><li>Olivia</li><li>Noah</li><li>Amelia</li><li>Oliver</li></ol><p>Names inspired by television series rose fastest, the office said.</p>",
		"<h2>Most popular</h2>", "<li>Amelia</li>", "<li>Oliver</li>")
	mustKeep(t, "Our camping gear picks",
		"<p>We spent three weeks in the mountains testing tents, stoves and sleeping bags in rain, wind and snow, and only a handful of products held up to the abuse.</p><h2>Recommended</h2><ul><li>Tent: Big Agnes Copper Spur</li><li>Stove: Jetboil Flash</li><li>Sleeping bag: Nemo Disco</li></ul><p>All three are available from most outdoor retailers.</p>",
		"Big Agnes Copper Spur", "Jetboil Flash", "Nemo Disco")
	for _, marker := range []string{"Most popular", "Recommended"} {
		mustDrop(t, "Our camping gear picks", keepLead+
			"<h2>"+marker+`</h2><ul><li><a href="https://news.example/a/2">Ten tents tested in the rain</a></li><li><a href="https://news.example/a/3">The best stoves for winter camping</a></li></ul>`, "tents tested", marker)
	}
}

// TestKeepsLabelledFigures: list items that give a share or an amount
// ("Advertising: 62%", "Subscriptions: 30%") are data; ad labels and
// bare counts ("Comments: 12") are still interface text.
func TestKeepsLabelledFigures(t *testing.T) {
	mustKeep(t, "How the Gazette pays its bills", keepLead+
		"<p>Last year the paper's revenue came from three sources:</p><ul><li>Advertising: 62%</li><li>Subscriptions: 30%</li><li>Events: 8%</li></ul><p>The share of advertising has fallen every year since 2015, the publisher said, while reader revenue keeps growing.</p>",
		"Advertising: 62%", "Subscriptions: 30%")
	mustKeep(t, "How the Gazette pays its bills", keepLead+
		"<ul><li>Advertising: €4.2</li><li>Subscriptions: $2,100</li></ul><p>The share of advertising has fallen every year since 2015, the publisher said, while reader revenue keeps growing.</p>",
		"Advertising: €4.2", "Subscriptions: $2,100")
	for _, dirt := range []string{"<p>Advertisement</p>", "<p>Comments: 12</p>", "<p>Subscribe to our newsletter</p>", "<p>Sponsored</p>"} {
		mustDrop(t, "How the Gazette pays its bills", keepLead+dirt, dirt)
	}
}
