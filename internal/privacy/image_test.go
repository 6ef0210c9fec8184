package privacy_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/privacy"
)

// testImage returns a noisy picture, so that the JPEG scan data contains
// stuffed 0xFF bytes.
func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	seed := uint32(1)
	for y := 0; y < 32; y++ {
		for x := 0; x < 48; x++ {
			seed = seed*1664525 + 1013904223
			img.Set(x, y, color.RGBA{uint8(seed >> 24), uint8(x * 5), uint8(y * 8), 255})
		}
	}
	return img
}

// gpsTIFF returns a little-endian TIFF structure with IFD0 pointing to a GPS
// IFD holding latitude 27°6'30" N and longitude 111°1'12.34" E.
func gpsTIFF() []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	w16 := func(v uint16) { binary.Write(&b, le, v) }
	w32 := func(v uint32) { binary.Write(&b, le, v) }
	b.WriteString("II")
	w16(42)
	w32(8)
	// IFD0: one entry, GPSInfo (0x8825, LONG) → GPS IFD at 26
	w16(1)
	w16(0x8825)
	w16(4)
	w32(1)
	w32(26)
	w32(0)
	// GPS IFD at 26: four entries, data at 80
	w16(4)
	w16(0x0001) // GPSLatitudeRef
	w16(2)
	w32(2)
	b.WriteString("N\x00\x00\x00")
	w16(0x0002) // GPSLatitude, 3 RATIONAL
	w16(5)
	w32(3)
	w32(80)
	w16(0x0003) // GPSLongitudeRef
	w16(2)
	w32(2)
	b.WriteString("E\x00\x00\x00")
	w16(0x0004) // GPSLongitude
	w16(5)
	w32(3)
	w32(104)
	w32(0)
	for _, v := range []uint32{27, 1, 6, 1, 3000, 100, 111, 1, 1, 1, 1234, 100} {
		w32(v)
	}
	return b.Bytes()
}

// gpsMarkers are byte strings that only the GPS metadata contains.
var gpsMarkers = [][]byte{
	[]byte("Exif\x00\x00"),
	{0x25, 0x88, 0x04, 0x00},                         // IFD0 entry: GPSInfo, LONG
	{0x02, 0x00, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00}, // GPSLatitude, RATIONAL × 3
	{0x04, 0x00, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00}, // GPSLongitude, RATIONAL × 3
	{0x6F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, // 111/1 degrees
	[]byte("exif:GPSLatitude"),
	[]byte("27.1083N"),
}

func jpegSegment(marker byte, payload []byte) []byte {
	seg := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

func containsAny(data []byte, markers [][]byte) []string {
	var found []string
	for _, m := range markers {
		if bytes.Contains(data, m) {
			found = append(found, string(m))
		}
	}
	return found
}

func decodePixels(t *testing.T, data []byte) (image.Rectangle, []color.Color) {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	var px []color.Color
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, a := img.At(x, y).RGBA()
			px = append(px, color.RGBA64{uint16(r), uint16(g), uint16(b), uint16(a)})
		}
	}
	return img.Bounds(), px
}

func TestStripJPEG(t *testing.T) {
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, testImage(), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	base := enc.Bytes()
	jfif := jpegSegment(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	icc := jpegSegment(0xE2, []byte("ICC_PROFILE\x00\x01\x01fake-profile"))
	meta := bytes.Join([][]byte{
		jpegSegment(0xE1, append([]byte("Exif\x00\x00"), gpsTIFF()...)),
		jpegSegment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><rdf:Description exif:GPSLatitude=\"27.1083N\"/></x:xmpmeta>")),
		jpegSegment(0xED, []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0cCaption 27.1083N")),
		jpegSegment(0xFE, []byte("shot at 27.1083N")),
		jpegSegment(0xE2, []byte("MPF\x00II*\x00")),
	}, nil)
	eoi := len(base) - 2

	tests := []struct {
		name    string
		input   []byte
		want    []byte
		allMeta bool // the input carries every GPS marker
	}{
		{
			name:    "metadata after SOI",
			input:   concat(base[:2], jfif, meta, icc, base[2:]),
			want:    concat(base[:2], jfif, icc, base[2:]),
			allMeta: true,
		},
		{
			name:  "comment after the scan and data after EOI",
			input: concat(base[:eoi], jpegSegment(0xFE, []byte("27.1083N")), base[eoi:], []byte("Exif\x00\x00 trailer 27.1083N")),
			want:  base,
		},
		{
			name:    "fill bytes before markers",
			input:   concat(base[:2], []byte{0xFF, 0xFF}, meta, base[2:]),
			want:    base,
			allMeta: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := containsAny(tt.input, gpsMarkers)
			if len(before) == 0 || tt.allMeta && len(before) != len(gpsMarkers) {
				t.Fatalf("test input carries only GPS markers %q", before)
			}
			got, typ, err := privacy.StripImageMetadata(tt.input)
			if err != nil {
				t.Fatal(err)
			}
			if typ != "image/jpeg" {
				t.Errorf("content type %q, want image/jpeg", typ)
			}
			if found := containsAny(got, gpsMarkers); len(found) > 0 {
				t.Errorf("metadata left after stripping: %q", found)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("stripped JPEG differs from the expected bytes (%d vs %d bytes)", len(got), len(tt.want))
			}
			wantBounds, wantPx := decodePixels(t, base)
			gotBounds, gotPx := decodePixels(t, got)
			if diff := cmp.Diff(wantBounds, gotBounds); diff != "" {
				t.Errorf("bounds mismatch (-want +got):\n%s", diff)
			}
			if !cmp.Equal(wantPx, gotPx) {
				t.Error("decoded pixels differ after stripping")
			}
		})
	}
}

func pngChunk(typ string, data []byte) []byte {
	out := make([]byte, 4, 12+len(data))
	binary.BigEndian.PutUint32(out, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	return binary.BigEndian.AppendUint32(out, crc.Sum32())
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestStripPNG(t *testing.T) {
	var enc bytes.Buffer
	if err := png.Encode(&enc, testImage()); err != nil {
		t.Fatal(err)
	}
	base := enc.Bytes()
	afterIHDR := 8 + 12 + 13 // signature, IHDR chunk
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte("taken at 27.1083N 111.0201E"))
	zw.Close()
	phys := pngChunk("pHYs", []byte{0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1})
	meta := concat(
		pngChunk("eXIf", gpsTIFF()),
		pngChunk("tEXt", []byte("Comment\x00GPS 27.1083N")),
		pngChunk("zTXt", append([]byte("Location\x00\x00"), z.Bytes()...)),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<rdf:Description exif:GPSLatitude=\"27.1083N\"/>")),
	)
	pngMarkers := append([][]byte{[]byte("eXIf"), []byte("tEXt"), []byte("zTXt"), []byte("iTXt")}, gpsMarkers[1:]...)
	iend := len(base) - 12

	tests := []struct {
		name  string
		input []byte
		want  []byte
	}{
		{
			name:  "metadata after IHDR",
			input: concat(base[:afterIHDR], meta, phys, base[afterIHDR:]),
			want:  concat(base[:afterIHDR], phys, base[afterIHDR:]),
		},
		{
			name:  "metadata before IEND and trailing data",
			input: concat(base[:iend], meta, base[iend:], []byte("tEXt 27.1083N")),
			want:  base,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if before := containsAny(tt.input, pngMarkers); len(before) != len(pngMarkers) {
				t.Fatalf("test input carries only metadata markers %q", before)
			}
			got, typ, err := privacy.StripImageMetadata(tt.input)
			if err != nil {
				t.Fatal(err)
			}
			if typ != "image/png" {
				t.Errorf("content type %q, want image/png", typ)
			}
			if found := containsAny(got, pngMarkers); len(found) > 0 {
				t.Errorf("metadata left after stripping: %q", found)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("stripped PNG differs from the expected bytes (%d vs %d bytes)", len(got), len(tt.want))
			}
			wantBounds, wantPx := decodePixels(t, base)
			gotBounds, gotPx := decodePixels(t, got)
			if diff := cmp.Diff(wantBounds, gotBounds); diff != "" {
				t.Errorf("bounds mismatch (-want +got):\n%s", diff)
			}
			if !cmp.Equal(wantPx, gotPx) {
				t.Error("decoded pixels differ after stripping")
			}
		})
	}
}

func TestStripImageMetadataErrors(t *testing.T) {
	var j, p bytes.Buffer
	if err := jpeg.Encode(&j, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&p, testImage()); err != nil {
		t.Fatal(err)
	}
	jpg, pn := j.Bytes(), p.Bytes()
	badLen := concat(jpg[:2], []byte{0xFF, 0xE1, 0xFF, 0xF0, 'E', 'x'}, jpg[2:])
	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"empty", nil, tongban.EUNSUPPORTED},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), tongban.EUNSUPPORTED},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), tongban.EUNSUPPORTED},
		{"pdf", []byte("%PDF-1.7\n%âãÏÓ\n"), tongban.EUNSUPPORTED},
		{"text", []byte("hello"), tongban.EUNSUPPORTED},
		{"jpeg truncated in the header", jpg[:20], tongban.EINVALID},
		{"jpeg truncated in the scan", jpg[:len(jpg)/2], tongban.EINVALID},
		{"jpeg segment length past the end", badLen, tongban.EINVALID},
		{"jpeg garbage after SOI", []byte{0xFF, 0xD8, 0xFF, 0x00, 0x12}, tongban.EINVALID},
		{"png truncated", pn[:len(pn)-5], tongban.EINVALID},
		{"png without IHDR", concat(pn[:8], pngChunk("tEXt", []byte("a\x00b")), pn[8:]), tongban.EINVALID},
		{"png huge chunk length", concat(pn[:8], []byte{0xFF, 0xFF, 0xFF, 0xFF}, []byte("IHDR")), tongban.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clean, _, err := privacy.StripImageMetadata(tt.input)
			if got := tongban.ErrorCode(err); got != tt.want {
				t.Errorf("error code %q (err %v), want %q", got, err, tt.want)
			}
			if clean != nil {
				t.Errorf("got %d bytes with an error", len(clean))
			}
		})
	}
}

func TestDetectContentType(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"pdf", []byte("%PDF-1.4\n"), "application/pdf"},
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}, "image/jpeg"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00"), "image/png"},
		{"gif", []byte("GIF89a"), "application/octet-stream"},
		{"short jpeg prefix", []byte{0xFF, 0xD8}, "application/octet-stream"},
		{"empty", nil, "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := privacy.DetectContentType(tt.data); got != tt.want {
				t.Errorf("DetectContentType = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzStripImageMetadata checks that arbitrary input never panics, that a
// result is never longer than its input, and that stripping is idempotent.
func FuzzStripImageMetadata(f *testing.F) {
	var j, p bytes.Buffer
	if err := jpeg.Encode(&j, testImage(), nil); err != nil {
		f.Fatal(err)
	}
	if err := png.Encode(&p, testImage()); err != nil {
		f.Fatal(err)
	}
	jpg, pn := j.Bytes(), p.Bytes()
	f.Add(jpg)
	f.Add(concat(jpg[:2], jpegSegment(0xE1, append([]byte("Exif\x00\x00"), gpsTIFF()...)), jpg[2:]))
	f.Add(pn)
	f.Add(concat(pn[:33], pngChunk("tEXt", []byte("a\x00b")), pn[33:]))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xFF, 0xD9})
	f.Fuzz(func(t *testing.T, data []byte) {
		clean, typ, err := privacy.StripImageMetadata(data)
		if err != nil {
			return
		}
		if len(clean) > len(data) {
			t.Fatalf("clean image has %d bytes, input %d", len(clean), len(data))
		}
		again, typ2, err := privacy.StripImageMetadata(clean)
		if err != nil {
			t.Fatalf("stripping the clean image failed: %v", err)
		}
		if typ2 != typ || !bytes.Equal(again, clean) {
			t.Fatal("stripping is not idempotent")
		}
	})
}
