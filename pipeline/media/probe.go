package media

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/pipeline/config"
)

// Probe is what a packet scan (no decoding) tells about the input.
type Probe struct {
	Pts  []int64 // every video frame's pts, in presentation order
	Key  []bool  // whether the frame at that index is a keyframe
	FPS  float64
	W, H int // the frames' size, turned upright
}

// ProbeVideo scans path's video packets for their timestamps and
// keyframes, which segments are cut at.
func ProbeVideo(path string) (*Probe, error) {
	src, err := OpenSource(path, 1, config.HWAccelNone)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	type pk struct {
		pts int64
		key bool
	}
	var pks []pk
	for {
		err := src.fc.ReadFrame(src.pkt)
		if errors.Is(err, astiav.ErrEof) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: cannot read: %v", path, err)
		}
		if src.pkt.StreamIndex() == src.video.Index() {
			if src.pkt.Pts() == astiav.NoPtsValue {
				src.pkt.Unref()
				return nil, fmt.Errorf("%s: video packets without timestamps cannot be split into segments; use processes = 1 and encode_workers = 1", path)
			}
			pks = append(pks, pk{src.pkt.Pts(), src.pkt.Flags().Has(astiav.PacketFlagKey)})
		}
		src.pkt.Unref()
	}
	if len(pks) == 0 {
		return nil, fmt.Errorf("%s: no video frames could be decoded", path)
	}
	slices.SortFunc(pks, func(a, b pk) int { return cmp.Compare(a.pts, b.pts) })
	p := &Probe{FPS: src.FPS}
	p.W, p.H = src.FrameSize()
	for i, k := range pks {
		if i > 0 && k.pts == pks[i-1].pts {
			return nil, fmt.Errorf("%s: two video frames share pts %d; cannot split into segments", path, k.pts)
		}
		p.Pts = append(p.Pts, k.pts)
		p.Key = append(p.Key, k.key)
	}
	p.Key[0] = true
	return p, nil
}
