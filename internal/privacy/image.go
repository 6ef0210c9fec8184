package privacy

import (
	"bytes"
	"encoding/binary"

	"github.com/tongban/tongban"
)

// Content types returned by DetectContentType and StripImageMetadata.
const (
	ContentTypeJPEG    = "image/jpeg"
	ContentTypePNG     = "image/png"
	ContentTypePDF     = "application/pdf"
	ContentTypeUnknown = "application/octet-stream"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// DetectContentType returns the content type of data from its magic bytes:
// ContentTypePDF, ContentTypeJPEG, ContentTypePNG or ContentTypeUnknown.
func DetectContentType(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return ContentTypePDF
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return ContentTypeJPEG
	case bytes.HasPrefix(data, pngSignature):
		return ContentTypePNG
	}
	return ContentTypeUnknown
}

// StripImageMetadata returns a copy of a JPEG or PNG image without its
// metadata, and the image's content type.
//
// From a JPEG it removes APP1 segments (EXIF, including GPS, and XMP), APP13
// (IPTC/Photoshop), COM (comments), APP2 "MPF" (multi-picture index) and
// everything after the end-of-image marker (where phones append extra
// pictures); the image data, quantization and Huffman tables, JFIF, ICC and
// Adobe segments are copied unchanged. From a PNG it removes the eXIf, tEXt,
// zTXt and iTXt chunks and anything after IEND; every other chunk is copied
// byte for byte, its CRC included.
//
// It returns an EUNSUPPORTED error for any other type and an EINVALID error
// for a truncated or malformed JPEG or PNG.
func StripImageMetadata(data []byte) (clean []byte, contentType string, err error) {
	switch DetectContentType(data) {
	case ContentTypeJPEG:
		clean, err = stripJPEG(data)
		return clean, ContentTypeJPEG, err
	case ContentTypePNG:
		clean, err = stripPNG(data)
		return clean, ContentTypePNG, err
	}
	return nil, "", tongban.Errorf(tongban.EUNSUPPORTED, "Unsupported image type: only JPEG and PNG images are accepted.")
}

func invalidImage(kind, why string) error {
	return tongban.Errorf(tongban.EINVALID, "Invalid %s image: %s.", kind, why)
}

// JPEG markers used by stripJPEG.
const (
	markerSOI   = 0xD8
	markerEOI   = 0xD9
	markerSOS   = 0xDA
	markerAPP1  = 0xE1
	markerAPP2  = 0xE2
	markerAPP13 = 0xED
	markerCOM   = 0xFE
)

// stripJPEG walks the marker segments of a JPEG. Entropy-coded data after
// each SOS is copied up to the next marker that is not a restart marker or
// a stuffed 0xFF00.
func stripJPEG(data []byte) ([]byte, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != markerSOI {
		return nil, invalidImage("JPEG", "missing start of image")
	}
	out := make([]byte, 0, len(data))
	out = append(out, 0xFF, markerSOI)
	i := 2
	for {
		// skip fill bytes before a marker
		if i >= len(data) || data[i] != 0xFF {
			return nil, invalidImage("JPEG", "marker expected")
		}
		for i < len(data) && data[i] == 0xFF {
			i++
		}
		if i >= len(data) {
			return nil, invalidImage("JPEG", "truncated marker")
		}
		m := data[i]
		i++
		switch {
		case m == markerEOI:
			out = append(out, 0xFF, markerEOI)
			return out, nil
		case m == 0x01 || m >= 0xD0 && m <= 0xD7:
			// standalone markers (TEM, RSTn) carry no length
			out = append(out, 0xFF, m)
			continue
		case m == markerSOI || m == 0x00:
			return nil, invalidImage("JPEG", "unexpected marker")
		}
		if i+2 > len(data) {
			return nil, invalidImage("JPEG", "truncated segment length")
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || i+n > len(data) {
			return nil, invalidImage("JPEG", "segment length out of range")
		}
		seg := data[i : i+n]
		i += n
		if !dropJPEGSegment(m, seg[2:]) {
			out = append(out, 0xFF, m)
			out = append(out, seg...)
		}
		if m != markerSOS {
			continue
		}
		// entropy-coded data
		start := i
		for {
			if i+1 >= len(data) {
				return nil, invalidImage("JPEG", "missing end of image")
			}
			if data[i] == 0xFF {
				next := data[i+1]
				if next != 0x00 && !(next >= 0xD0 && next <= 0xD7) && next != 0xFF {
					break
				}
				if next == 0xFF {
					// fill byte inside scan data precedes a marker
					i++
					continue
				}
				i += 2
				continue
			}
			i++
		}
		out = append(out, data[start:i]...)
	}
}

// dropJPEGSegment reports whether a segment with marker m and payload p
// carries metadata.
func dropJPEGSegment(m byte, p []byte) bool {
	switch m {
	case markerAPP1, markerAPP13, markerCOM:
		return true
	case markerAPP2:
		return bytes.HasPrefix(p, []byte("MPF\x00"))
	}
	return false
}

// dropPNGChunk names the PNG chunk types that carry metadata.
var dropPNGChunk = map[string]bool{"eXIf": true, "tEXt": true, "zTXt": true, "iTXt": true}

// stripPNG copies the chunks of a PNG except the metadata chunks.
func stripPNG(data []byte) ([]byte, error) {
	out := make([]byte, 0, len(data))
	out = append(out, pngSignature...)
	i := len(pngSignature)
	first := true
	for {
		if i+8 > len(data) {
			return nil, invalidImage("PNG", "truncated chunk header")
		}
		n := binary.BigEndian.Uint32(data[i:])
		typ := string(data[i+4 : i+8])
		if n > 0x7FFFFFFF || uint64(i)+12+uint64(n) > uint64(len(data)) {
			return nil, invalidImage("PNG", "chunk length out of range")
		}
		if first && typ != "IHDR" {
			return nil, invalidImage("PNG", "first chunk is not IHDR")
		}
		first = false
		end := i + 12 + int(n)
		if !dropPNGChunk[typ] {
			out = append(out, data[i:end]...)
		}
		i = end
		if typ == "IEND" {
			return out, nil
		}
	}
}
