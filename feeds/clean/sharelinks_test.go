package clean

import "testing"

func TestIsShareURL(t *testing.T) {
	tests := []struct {
		href string
		want bool
	}{
		{"https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fx.example", true},
		{"https://www.facebook.com/sharer.php?u=x", true},
		{"https://twitter.com/intent/tweet?url=x", true},
		{"https://x.com/intent/post?url=x", true},
		{"https://www.linkedin.com/shareArticle?mini=true&url=x", true},
		{"https://pinterest.com/pin/create/button/?url=x", true},
		{"https://api.whatsapp.com/send?text=x", true},
		{"https://wa.me/?text=x", true},
		{"whatsapp://send?text=x", true},
		{"mailto:?subject=Hello&body=x", true},
		{"https://www.blogger.com/share-post.g?blogID=1&target=twitter", true},
		{"https://blog.example/post/?share=twitter", true},
		{"https://blog.example/post/?share=facebook&nb=1", true},
		{"mailto:editor@news.example", false},
		{"https://www.facebook.com/groups/share-your-garden", false},
		{"https://news.example/markets/share-prices-rise", false},
		{"https://blog.example/post/?share=1", false},
		{"https://en.wikipedia.org/wiki/Intent", false},
	}
	for _, tt := range tests {
		t.Run(tt.href, func(t *testing.T) {
			if got := isShareURL(tt.href); got != tt.want {
				t.Errorf("isShareURL(%q) = %v, want %v", tt.href, got, tt.want)
			}
		})
	}
}
