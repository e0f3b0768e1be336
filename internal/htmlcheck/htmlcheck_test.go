package htmlcheck

import "testing"

func TestDangerous(t *testing.T) {
	tests := []struct {
		name string
		in   string
		bad  bool
	}{
		{"plain", `<p>Hello <a href="https://example.com/">x</a> <img src="/a.png" alt=""></p>`, false},
		{"mailto", `<a href="mailto:a@example.com">m</a>`, false},
		{"data png", `<img src="data:image/png;base64,AAAA">`, false},
		{"script", `<script>alert(1)</script>`, true},
		{"style element", `<style>p{}</style>`, true},
		{"onerror", `<img src=x onerror=alert(1)>`, true},
		{"javascript href", `<a href="javascript:alert(1)">x</a>`, true},
		{"entity javascript", `<a href="&#106;avascript&colon;alert(1)">x</a>`, true},
		{"tab javascript", "<a href=\"java\tscript:alert(1)\">x</a>", true},
		{"control char", "<a href=\"\x01javascript:alert(1)\">x</a>", true},
		{"vbscript", `<a href="VBScript:msgbox(1)">x</a>`, true},
		{"data html", `<a href="data:text/html,<script>alert(1)</script>">x</a>`, true},
		{"data svg img", `<img src="data:image/svg+xml,<svg onload=alert(1)>">`, true},
		{"srcset", `<img srcset="/a.png 1x, javascript:alert(1) 2x">`, true},
		{"poster", `<video poster="javascript:alert(1)"></video>`, true},
		{"svg", `<svg><a xlink:href="https://x/">x</a></svg>`, true},
		{"math", `<math><mi>x</mi></math>`, true},
		{"css expression", `<p style="width: expr/**/ession(alert(1))">x</p>`, true},
		{"css url", `<p style="background:URL(x)">x</p>`, true},
		{"harmless css", `<p style="color: red">x</p>`, false},
		{"iframe bad host", `<iframe src="https://evil.example/" sandbox=""></iframe>`, true},
		{"iframe no sandbox", `<iframe src="https://www.youtube.com/embed/x"></iframe>`, true},
		{"iframe top nav", `<iframe src="https://www.youtube.com/embed/x" sandbox="allow-scripts allow-top-navigation"></iframe>`, true},
		{"iframe ok", `<iframe src="https://www.youtube.com/embed/x" sandbox="allow-scripts allow-same-origin allow-popups"></iframe>`, false},
		{"noscript mxss", `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`, true},
		{"srcdoc", `<iframe srcdoc="&lt;script&gt;" sandbox src="https://www.youtube.com/embed/x"></iframe>`, true},
		{"form", `<form action="https://x/"><button formaction="javascript:alert(1)">x</button></form>`, true},
		{"base", `<base href="https://evil.example/">`, true},
		{"escaped text is safe", `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Dangerous(tt.in)
			if (len(got) > 0) != tt.bad {
				t.Errorf("Dangerous(%q) = %q, want dangerous=%v", tt.in, got, tt.bad)
			}
		})
	}
}
