package evidence

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	_ "image/gif" // decoders for derivatives
)

// ErrNoDerivative says the file type has no shareable derivative.
var ErrNoDerivative = errors.New("evidence: no derivative for this type")

// maxDerivativeSource bounds the image decoded for a derivative.
const maxDerivativeSource = 40 << 20

// Derivative returns a copy of an image fit to show or publish: decoded
// and re-encoded, so that EXIF, GPS, XMP, ICC comments and any other
// metadata of the original are gone. The original is untouched.
func (s *Store) Derivative(ctx context.Context, id string) ([]byte, string, error) {
	f, rc, err := s.Open(ctx, id)
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	if f.ContentType != "image/jpeg" && f.ContentType != "image/png" && f.ContentType != "image/gif" {
		return nil, "", ErrNoDerivative
	}
	return StripImage(io.LimitReader(rc, maxDerivativeSource), f.ContentType)
}

// maxPixels refuses images whose header promises a decompression bomb.
const maxPixels = 50_000_000

// ErrImageTooLarge says an image's dimensions are beyond what Faro decodes.
var ErrImageTooLarge = errors.New("evidence: image dimensions too large")

// StripImage re-encodes an image without any of its metadata.
func StripImage(r io.Reader, contentType string) ([]byte, string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, "", err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, "", err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, "", ErrImageTooLarge
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	if contentType == "image/png" || contentType == "image/gif" {
		err = png.Encode(&buf, img)
		return buf.Bytes(), "image/png", err
	}
	err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	return buf.Bytes(), "image/jpeg", err
}
