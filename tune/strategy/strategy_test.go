package strategy

import "testing"

func TestDescribe(t *testing.T) {
	t.Parallel()
	if got, want := Describe(), `"grid", "random", "coordinate" or "halving"`; got != want {
		t.Errorf("Describe() = %s, want %s", got, want)
	}
}

func TestKnown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{{"grid", true}, {"halving", true}, {"annealing", false}, {"", false}}
	for _, tt := range tests {
		if got := Known(tt.name); got != tt.want {
			t.Errorf("Known(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
