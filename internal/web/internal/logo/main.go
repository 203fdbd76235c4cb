//go:build ignore

// Command logo draws static/images/map-logo.png, authd's own mark: a blue
// rounded square with a white map pin. Run it from internal/web with
// "go run internal/logo/main.go"; the output is committed.
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

const size = 128

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	blue := color.NRGBA{0x0b, 0x5c, 0xab, 0xff}
	dark := color.NRGBA{0x08, 0x45, 0x82, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			if !inRoundedSquare(fx, fy, 4, size-4, 26) {
				continue
			}
			c := blue
			if fy > size*0.72 {
				c = dark
			}
			if inPin(fx, fy) && !inCircle(fx, fy, 64, 52, 11) {
				c = white
			}
			img.Set(x, y, c)
		}
	}
	f, err := os.Create("static/images/map-logo.png")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
}

func inRoundedSquare(x, y, lo, hi, r float64) bool {
	if x < lo || x > hi || y < lo || y > hi {
		return false
	}
	cx := math.Max(lo+r, math.Min(x, hi-r))
	cy := math.Max(lo+r, math.Min(y, hi-r))
	return math.Hypot(x-cx, y-cy) <= r
}

func inCircle(x, y, cx, cy, r float64) bool { return math.Hypot(x-cx, y-cy) <= r }

// inPin is a circle of radius 26 at (64, 52) joined to a point at (64, 104).
func inPin(x, y float64) bool {
	if inCircle(x, y, 64, 52, 26) {
		return true
	}
	if y < 52 || y > 104 {
		return false
	}
	half := 26 * (104 - y) / 52 * 0.92
	return math.Abs(x-64) <= half
}
