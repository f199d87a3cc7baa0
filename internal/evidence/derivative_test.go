package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"testing"

	"github.com/faro-project/faro/internal/migrations"
	"github.com/faro-project/faro/internal/store"
	"github.com/faro-project/faro/internal/store/storetest"
)

var gpsMarker = []byte("GPSLatitude=35.8883N GPSLongitude=5.3167W FARO-GPS-MARKER")

func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 5), B: 128, A: 255})
		}
	}
	return img
}

// jpegWithEXIF encodes a JPEG and inserts, right after SOI, an APP1 EXIF
// segment holding a GPS marker, as a phone camera would.
func jpegWithEXIF(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(64, 48), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if b[0] != 0xff || b[1] != 0xd8 {
		t.Fatal("no SOI")
	}
	payload := append([]byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08"), gpsMarker...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
	// The XMP way too: a second APP1 and a comment segment.
	com := append([]byte{0xff, 0xfe, 0, 0}, []byte("Author: Amina; FARO-GPS-MARKER")...)
	binary.BigEndian.PutUint16(com[2:], uint16(len(com)-2))
	out = append(append(append([]byte{}, out[:2]...), com...), out[2:]...)
	return out
}

func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// pngWithText encodes a PNG with a tEXt chunk holding the GPS marker.
func pngWithText(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(20, 10)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	ihdrEnd := 8 + 8 + 13 + 4
	text := pngChunk("tEXt", append([]byte("Comment\x00"), gpsMarker...))
	return append(append(append([]byte{}, b[:ihdrEnd]...), text...), b[ihdrEnd:]...)
}

func TestStripImage(t *testing.T) {
	var gifBuf bytes.Buffer
	pal := image.NewPaletted(image.Rect(0, 0, 8, 8), []color.Color{color.Black, color.White})
	gif.Encode(&gifBuf, pal, nil)
	cases := []struct {
		name, ctype, want string
		data              []byte
		w, h              int
	}{
		{"jpeg with EXIF", "image/jpeg", "image/jpeg", jpegWithEXIF(t), 64, 48},
		{"png with tEXt", "image/png", "image/png", pngWithText(t), 20, 10},
		{"gif", "image/gif", "image/png", gifBuf.Bytes(), 8, 8},
	}
	for _, c := range cases {
		if _, _, err := image.Decode(bytes.NewReader(c.data)); err != nil {
			t.Fatalf("%s: the test input does not decode: %v", c.name, err)
		}
		out, ctype, err := StripImage(bytes.NewReader(c.data), c.ctype)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if ctype != c.want {
			t.Fatalf("%s: derivative type %q, want %q", c.name, ctype, c.want)
		}
		if bytes.Contains(out, []byte("FARO-GPS-MARKER")) || bytes.Contains(out, []byte("GPSLatitude")) || bytes.Contains(out, []byte("Exif")) || bytes.Contains(out, []byte("Amina")) {
			t.Fatalf("%s: metadata survived", c.name)
		}
		img, format, err := image.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("%s: derivative does not decode: %v", c.name, err)
		}
		if "image/"+format != ctype {
			t.Fatalf("%s: derivative is %s, labelled %s", c.name, format, ctype)
		}
		if b := img.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
			t.Fatalf("%s: derivative is %v", c.name, b)
		}
	}
	if !bytes.Contains(jpegWithEXIF(t), []byte("FARO-GPS-MARKER")) {
		t.Fatal("the test JPEG lacks its marker")
	}
}

// bigPNGHeader is a PNG signature and IHDR promising w×h pixels, and
// nothing else: a decompression bomb's header.
func bigPNGHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	return append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
}

func TestStripImageRejects(t *testing.T) {
	if _, _, err := StripImage(bytes.NewReader(bigPNGHeader(10000, 10000)), "image/png"); !errors.Is(err, ErrImageTooLarge) {
		t.Fatalf("10000×10000 PNG: %v, want ErrImageTooLarge", err)
	}
	if _, _, err := StripImage(bytes.NewReader(bigPNGHeader(1<<31-1, 1)), "image/png"); err == nil {
		t.Fatal("a huge PNG header was accepted")
	}
	for _, bad := range [][]byte{nil, []byte("not an image"), jpegWithEXIF(t)[:200]} {
		if _, _, err := StripImage(bytes.NewReader(bad), "image/jpeg"); err == nil {
			t.Fatal("garbage decoded as an image")
		}
	}
}

func TestDerivativeKeepsOriginal(t *testing.T) {
	storetest.Each(t, migrations.All(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fx := newFixture(t, db)
		orig := jpegWithEXIF(t)
		f, err := fx.store.Put(ctx, bytes.NewReader(orig), "IMG_0001.JPG")
		if err != nil {
			t.Fatal(err)
		}
		if f.ContentType != "image/jpeg" {
			t.Fatalf("stored as %s", f.ContentType)
		}
		onDisk := sha256.Sum256(mustRead(t, fx.store.path(f.ID)))
		out, ctype, err := fx.store.Derivative(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "image/jpeg" || bytes.Contains(out, []byte("FARO-GPS-MARKER")) {
			t.Fatal("derivative keeps the GPS marker")
		}
		if sha256.Sum256(mustRead(t, fx.store.path(f.ID))) != onDisk {
			t.Fatal("Derivative changed the stored file")
		}
		got, data, err := fx.readAll(t, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, orig) || got.SHA256 != sum(orig) || sum(data) != f.SHA256 {
			t.Fatal("the original is no longer bit-exact after a derivative")
		}
		if !bytes.Contains(data, []byte("FARO-GPS-MARKER")) {
			t.Fatal("the original lost its metadata")
		}
		if _, bad, err := fx.store.Verify(ctx); err != nil || len(bad) != 0 {
			t.Fatalf("Verify after Derivative: %v %v", bad, err)
		}

		txt, err := fx.store.Put(ctx, bytes.NewReader([]byte("just text")), "a.txt")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := fx.store.Derivative(ctx, txt.ID); !errors.Is(err, ErrNoDerivative) {
			t.Fatalf("derivative of text: %v", err)
		}
		if _, _, err := fx.store.Derivative(ctx, "ffffffffffffffffffffffffffffffff"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("derivative of nothing: %v", err)
		}
		// A tampered original gives no derivative.
		os.WriteFile(fx.store.path(f.ID), flip(mustRead(t, fx.store.path(f.ID)), headerSize+3), 0o600)
		if _, _, err := fx.store.Derivative(ctx, f.ID); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("derivative of a tampered file: %v", err)
		}
	})
}

// FuzzStripImage: arbitrary bytes never panic, and any derivative made
// decodes as what it says it is.
func FuzzStripImage(f *testing.F) {
	f.Add(jpegWithEXIF(f), "image/jpeg")
	f.Add(pngWithText(f), "image/png")
	var gifBuf bytes.Buffer
	gif.Encode(&gifBuf, image.NewPaletted(image.Rect(0, 0, 3, 3), []color.Color{color.Black, color.White}), nil)
	f.Add(gifBuf.Bytes(), "image/gif")
	f.Add(bigPNGHeader(9000, 9000), "image/png")
	f.Add([]byte{}, "image/jpeg")
	f.Fuzz(func(t *testing.T, data []byte, ctype string) {
		out, got, err := StripImage(bytes.NewReader(data), ctype)
		if err != nil {
			return
		}
		if got != "image/png" && got != "image/jpeg" {
			t.Fatalf("derivative type %q", got)
		}
		_, format, err := image.Decode(bytes.NewReader(out))
		if err != nil || "image/"+format != got {
			t.Fatalf("derivative does not decode as %s: %v", got, err)
		}
	})
}
