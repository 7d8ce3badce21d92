package quality

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/geom"
)

func TestParseGroundTruth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
		want  *GroundTruth
	}{
		{
			name:  "otb tabs",
			input: "57\t21\t31\t45\n58\t22\t31\t43\n",
			want:  &GroundTruth{Frames: 2, Boxes: [][]geom.Box{{{X: 57, Y: 21, W: 31, H: 45}}, {{X: 58, Y: 22, W: 31, H: 43}}}},
		},
		{
			name:  "otb commas, spaces and crlf",
			input: "1,2,3,4\r\n5, 6, 7.5, 8\r\n 9 10\t11 ,12 \r\n",
			want: &GroundTruth{Frames: 3, Boxes: [][]geom.Box{
				{{X: 1, Y: 2, W: 3, H: 4}}, {{X: 5, Y: 6, W: 7.5, H: 8}}, {{X: 9, Y: 10, W: 11, H: 12}},
			}},
		},
		{
			name:  "otb without final newline and with trailing blank lines",
			input: "1 2 3 4\n5 6 7 8\n\n\n",
			want:  &GroundTruth{Frames: 2, Boxes: [][]geom.Box{{{X: 1, Y: 2, W: 3, H: 4}}, {{X: 5, Y: 6, W: 7, H: 8}}}},
		},
		{
			name:  "otb frames without a face",
			input: "1 2 3 4\n0 0 0 0\nNaN NaN NaN NaN\n1 2 -1 4\n1 2 3 0\nnan,1,2,3\n5 6 7 8",
			want:  &GroundTruth{Frames: 7, Boxes: [][]geom.Box{{{X: 1, Y: 2, W: 3, H: 4}}, nil, nil, nil, nil, nil, {{X: 5, Y: 6, W: 7, H: 8}}}},
		},
		{
			name:  "ftbench header only",
			input: "# ftbench-gt v1 frames=3\n",
			want:  &GroundTruth{Frames: 3, Boxes: [][]geom.Box{nil, nil, nil}, IDs: [][]int{nil, nil, nil}},
		},
		{
			name:  "ftbench no frames",
			input: "# ftbench-gt v1 frames=0",
			want:  &GroundTruth{Frames: 0, Boxes: [][]geom.Box{}, IDs: [][]int{}},
		},
		{
			name: "ftbench several faces, comments and gaps",
			input: "# ftbench-gt v1 frames=4\n" +
				"# frame id x y w h\n" +
				"0 1 10 20 30 40\n" +
				"\n" +
				"0 2 100.5 200 30 40\n" +
				"  3\t1  11 21 31 41  \r\n" +
				"2 1 12 22 32 42\n",
			want: &GroundTruth{Frames: 4, Boxes: [][]geom.Box{
				{{X: 10, Y: 20, W: 30, H: 40}, {X: 100.5, Y: 200, W: 30, H: 40}},
				nil,
				{{X: 12, Y: 22, W: 32, H: 42}},
				{{X: 11, Y: 21, W: 31, H: 41}},
			}, IDs: [][]int{{1, 2}, nil, {1}, {1}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseGroundTruth(strings.NewReader(tt.input), "gt.txt")
			if err != nil {
				t.Fatalf("ParseGroundTruth: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseGroundTruth =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseGroundTruthErrors(t *testing.T) {
	t.Parallel()
	const header = "# ftbench-gt v1 frames=5\n"
	tests := []struct {
		name    string
		input   string
		wantErr string
	}{
		{name: "empty", input: "", wantErr: `gt.txt: empty ground-truth file (want OTB lines "x y w h" or a "# ftbench-gt v1 frames=N" header)`},
		{name: "blank lines only", input: "\n  \n\t\n", wantErr: `gt.txt: empty ground-truth file (want OTB lines "x y w h" or a "# ftbench-gt v1 frames=N" header)`},
		{name: "otb three numbers", input: "1 2 3 4\n1 2 3\n", wantErr: `gt.txt:2: want 4 numbers "x y w h", got "1 2 3"`},
		{name: "otb five numbers", input: "1 2 3 4 5\n", wantErr: `gt.txt:1: want 4 numbers "x y w h", got "1 2 3 4 5"`},
		{name: "otb not a number", input: "1 2 3 4\n5 6 7 8\n9 10 11 12\n12 a 3 4\n", wantErr: `gt.txt:4: want 4 numbers "x y w h", got "12 a 3 4"`},
		{name: "otb blank line inside", input: "1 2 3 4\n\n5 6 7 8\n", wantErr: `gt.txt:2: want 4 numbers "x y w h", got ""`},
		{name: "otb comment", input: "# boxes\n1 2 3 4\n", wantErr: `gt.txt:1: want 4 numbers "x y w h", got "# boxes"`},
		{name: "header without frames", input: "# ftbench-gt v1\n", wantErr: `gt.txt:1: want header "# ftbench-gt v1 frames=N" with N >= 0, got "# ftbench-gt v1"`},
		{name: "header bad frames", input: "# ftbench-gt v1 frames=x\n", wantErr: `gt.txt:1: want header "# ftbench-gt v1 frames=N" with N >= 0, got "# ftbench-gt v1 frames=x"`},
		{name: "header negative frames", input: "# ftbench-gt v1 frames=-1\n", wantErr: `gt.txt:1: want header "# ftbench-gt v1 frames=N" with N >= 0, got "# ftbench-gt v1 frames=-1"`},
		{name: "header other version", input: "# ftbench-gt v2 frames=3\n", wantErr: `gt.txt:1: want header "# ftbench-gt v1 frames=N" with N >= 0, got "# ftbench-gt v2 frames=3"`},
		{name: "five fields", input: header + "0 1 2 3 4\n", wantErr: `gt.txt:2: want 6 fields "frame id x y w h", got "0 1 2 3 4"`},
		{name: "seven fields", input: header + "# ok\n0 1 2 3 4 5 6\n", wantErr: `gt.txt:3: want 6 fields "frame id x y w h", got "0 1 2 3 4 5 6"`},
		{name: "commas", input: header + "0,1,2,3,4,5\n", wantErr: `gt.txt:2: want 6 fields "frame id x y w h", got "0,1,2,3,4,5"`},
		{name: "fractional frame", input: header + "0.5 1 2 3 4 5\n", wantErr: `gt.txt:2: want integers for frame and id in "frame id x y w h", got "0.5 1 2 3 4 5"`},
		{name: "bad id", input: header + "0 a 2 3 4 5\n", wantErr: `gt.txt:2: want integers for frame and id in "frame id x y w h", got "0 a 2 3 4 5"`},
		{name: "bad number", input: header + "0 1 2 y 4 5\n", wantErr: `gt.txt:2: want finite numbers for x y w h, got "0 1 2 y 4 5"`},
		{name: "nan", input: header + "0 1 NaN 3 4 5\n", wantErr: `gt.txt:2: want finite numbers for x y w h, got "0 1 NaN 3 4 5"`},
		{name: "zero width", input: header + "0 1 2 3 0 5\n", wantErr: `gt.txt:2: want positive w and h, got "0 1 2 3 0 5"`},
		{name: "negative height", input: header + "0 1 2 3 4 -5\n", wantErr: `gt.txt:2: want positive w and h, got "0 1 2 3 4 -5"`},
		{name: "frame too large", input: header + "4 1 2 3 4 5\n5 1 2 3 4 5\n", wantErr: `gt.txt:3: want frame in 0..frames-1 (header says frames=5), got 5`},
		{name: "negative frame", input: header + "-1 1 2 3 4 5\n", wantErr: `gt.txt:2: want frame in 0..frames-1 (header says frames=5), got -1`},
		{name: "any frame with zero frames", input: "# ftbench-gt v1 frames=0\n0 1 2 3 4 5\n", wantErr: `gt.txt:2: want frame in 0..frames-1 (header says frames=0), got 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gt, err := ParseGroundTruth(strings.NewReader(tt.input), "gt.txt")
			if err == nil {
				t.Fatalf("ParseGroundTruth = %+v, want error %q", gt, tt.wantErr)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("error\n%s\nwant\n%s", err, tt.wantErr)
			}
		})
	}
}

func TestLoadGroundTruth(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "gt.txt")
	if err := os.WriteFile(path, []byte("# ftbench-gt v1 frames=2\n1 7 10 20 30 40\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gt, err := LoadGroundTruth(path)
	if err != nil {
		t.Fatalf("LoadGroundTruth: %v", err)
	}
	want := &GroundTruth{Frames: 2, Boxes: [][]geom.Box{nil, {{X: 10, Y: 20, W: 30, H: 40}}}, IDs: [][]int{nil, {7}}}
	if !reflect.DeepEqual(gt, want) {
		t.Errorf("LoadGroundTruth = %+v, want %+v", gt, want)
	}

	missing := filepath.Join(dir, "missing.txt")
	_, err = LoadGroundTruth(missing)
	if err == nil || !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), missing+": ") {
		t.Errorf("LoadGroundTruth(missing) error = %v, want a not-exist error naming the file", err)
	}
}

// gtDataPath returns the path of rel under the shared real-data folder, or
// skips the test when that folder is absent.
func gtDataPath(t *testing.T, rel string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "data")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("../shared/data absent: %v (real-data tests need the repo's sibling shared/data folder)", err)
	}
	return filepath.Join(dir, filepath.FromSlash(rel))
}

func TestLoadGroundTruthOTBGirl(t *testing.T) {
	t.Parallel()
	gt, err := LoadGroundTruth(gtDataPath(t, "otb_girl/groundtruth_rect.txt"))
	if err != nil {
		t.Fatalf("LoadGroundTruth: %v", err)
	}
	if gt.Frames != 500 || len(gt.Boxes) != 500 {
		t.Fatalf("got %d frames (%d box lists), want 500", gt.Frames, len(gt.Boxes))
	}
	if want := []geom.Box{{X: 57, Y: 21, W: 31, H: 45}}; !reflect.DeepEqual(gt.Boxes[0], want) {
		t.Errorf("frame 0: %+v, want %+v", gt.Boxes[0], want)
	}
	if want := []geom.Box{{X: 51, Y: 26, W: 36, H: 43}}; !reflect.DeepEqual(gt.Boxes[499], want) {
		t.Errorf("frame 499: %+v, want %+v", gt.Boxes[499], want)
	}
	for i, boxes := range gt.Boxes {
		// The video is 128x96; every frame has the girl's head in it.
		if len(boxes) != 1 || boxes[0].X < 0 || boxes[0].Y < 0 || boxes[0].X+boxes[0].W > 130 || boxes[0].Y+boxes[0].H > 98 {
			t.Fatalf("frame %d: boxes %+v, want one box inside the 128x96 frame", i, boxes)
		}
	}
}
