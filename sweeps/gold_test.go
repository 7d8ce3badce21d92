package sweeps

import (
	"strings"
	"testing"
)

func TestGoldTrials(t *testing.T) {
	t.Parallel()
	const in = "[[input]]\nfixture = \"face_360p\"\n[[input]]\nfixture = \"two_faces_360p\"\n"
	const axes = "[axes]\ndetect_interval = [3, 1, 1]\ndetect_width = [320, 640]\nmin_face = [0.15, 0.1]\n"
	tests := []struct {
		name    string
		text    string
		want    string // the gold label on every input; "" for none
		wantErr string
	}{
		{name: "none", text: in + "[axes]\ndetect_interval = [1, 3]\n"},
		{name: "auto", text: "gold = \"auto\"\n" + in + "[axes]\ndetect_interval = [3, 1]\ndetect_width = [320, 640]\nmin_face = [0.15, 0.1]\n",
			want: "detect_interval=1,detect_width=640,min_face=0.1"},
		{name: "named", text: "gold = \"detect_interval=3\"\n" + in + "[axes]\ndetect_interval = [1, 3]\n", want: "detect_interval=3"},
		{name: "a gold constraint asks for auto", text: "constraints = [\"quality.crop_dev_px <= 10\"]\n" + in + "[axes]\ndetect_interval = [4, 2]\n",
			want: "detect_interval=2"},
		{name: "unknown label", text: "gold = \"detect_interval=9\"\n" + in + "[axes]\ndetect_interval = [1, 3]\n",
			wantErr: `field "gold": no trial is labelled "detect_interval=9"`},
		{name: "duplicate axis values", text: "gold = \"auto\"\n" + in + axes, wantErr: "detect_interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Parse([]byte(tt.text), "g.toml", "")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			gold := s.GoldTrials()
			if tt.want == "" {
				if gold != nil {
					t.Errorf("gold %v, want none", gold)
				}
				return
			}
			if len(gold) != 2 {
				t.Fatalf("gold on %d inputs, want 2", len(gold))
			}
			for name, g := range gold {
				if g.Label != tt.want || g.Input.Name != name {
					t.Errorf("input %s: gold %q on %s, want %q", name, g.Label, g.Input.Name, tt.want)
				}
			}
		})
	}
}
