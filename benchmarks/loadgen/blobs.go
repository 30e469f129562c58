package loadgen

import (
	"encoding/binary"
	"hash/crc32"
	"strconv"
	"strings"
)

// Attachment payloads. They look like what they claim to be (a PDF header
// and trailer, a valid stored ZIP archive, an HTML form) but carry random
// filler; nothing here is executable.

// fill appends n pseudo-random bytes to b.
func (g *Generator) fill(b []byte, n int) []byte {
	for n >= 8 {
		b = binary.LittleEndian.AppendUint64(b, g.rng.Uint64())
		n -= 8
	}
	for ; n > 0; n-- {
		b = append(b, byte(g.rng.Uint32()))
	}
	return b
}

// pdf returns a PDF-like blob of about size bytes; when uri is set it holds
// a link annotation to it, as PDF phishing lures do.
func (g *Generator) pdf(size int, uri string) []byte {
	b := make([]byte, 0, size+512)
	b = append(b, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"...)
	b = append(b, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"...)
	b = append(b, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"...)
	if uri != "" {
		b = append(b, " /Annots [<< /Type /Annot /Subtype /Link /Rect [50 600 545 700] /A << /S /URI /URI ("...)
		b = append(b, uri...)
		b = append(b, ") >> >>]"...)
	}
	b = append(b, " >>\nendobj\n"...)
	n := max(64, size-len(b)-120)
	b = append(b, "4 0 obj\n<< /Length "...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, " /Filter /FlateDecode >>\nstream\n"...)
	b = g.fill(b, n)
	b = append(b, "\nendstream\nendobj\ntrailer\n<< /Root 1 0 R /Size 5 >>\n%%EOF\n"...)
	return b
}

// zip returns a stored (uncompressed) ZIP archive holding one file, name,
// whose content is text followed by random filler up to about size bytes.
func (g *Generator) zip(name string, size int, text string) []byte {
	data := make([]byte, 0, max(size, len(text)))
	data = append(data, text...)
	data = g.fill(data, max(0, size-len(text)-100-2*len(name)))
	crc := crc32.ChecksumIEEE(data)
	dosTime, dosDate := uint16(0x6000), uint16(0x5a21)

	b := make([]byte, 0, len(data)+2*len(name)+100)
	le := binary.LittleEndian
	// Local file header.
	b = le.AppendUint32(b, 0x04034b50)
	b = le.AppendUint16(b, 20) // version needed
	b = le.AppendUint16(b, 0)  // flags
	b = le.AppendUint16(b, 0)  // method: stored
	b = le.AppendUint16(b, dosTime)
	b = le.AppendUint16(b, dosDate)
	b = le.AppendUint32(b, crc)
	b = le.AppendUint32(b, uint32(len(data)))
	b = le.AppendUint32(b, uint32(len(data)))
	b = le.AppendUint16(b, uint16(len(name)))
	b = le.AppendUint16(b, 0)
	b = append(b, name...)
	b = append(b, data...)
	// Central directory.
	cdStart := len(b)
	b = le.AppendUint32(b, 0x02014b50)
	b = le.AppendUint16(b, 20) // version made by
	b = le.AppendUint16(b, 20)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, dosTime)
	b = le.AppendUint16(b, dosDate)
	b = le.AppendUint32(b, crc)
	b = le.AppendUint32(b, uint32(len(data)))
	b = le.AppendUint32(b, uint32(len(data)))
	b = le.AppendUint16(b, uint16(len(name)))
	b = le.AppendUint16(b, 0) // extra
	b = le.AppendUint16(b, 0) // comment
	b = le.AppendUint16(b, 0) // disk
	b = le.AppendUint16(b, 0) // internal attrs
	b = le.AppendUint32(b, 0) // external attrs
	b = le.AppendUint32(b, 0) // local header offset
	b = append(b, name...)
	cdLen := len(b) - cdStart
	// End of central directory.
	b = le.AppendUint32(b, 0x06054b50)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint32(b, uint32(cdLen))
	b = le.AppendUint32(b, uint32(cdStart))
	b = le.AppendUint16(b, 0)
	return b
}

// formPage returns an HTML page that imitates brand bi's sign-in and posts
// to action, padded with a comment to about size bytes.
func (g *Generator) formPage(bi int, action string, size int) []byte {
	b := brands[bi]
	var s strings.Builder
	s.Grow(size + 256)
	s.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
	s.WriteString(b.name)
	s.WriteString(" - Sign in</title></head>\n<body>\n<h1>")
	s.WriteString(b.name)
	s.WriteString("</h1>\n<p>Your session has expired. Sign in to view the document.</p>\n<form method=\"post\" action=\"")
	s.WriteString(action)
	s.WriteString("\">\n<input type=\"email\" name=\"login\" placeholder=\"Email\">\n<input type=\"password\" name=\"passwd\" placeholder=\"Password\">\n<button type=\"submit\">Sign in</button>\n</form>\n")
	if pad := size - s.Len() - 40; pad > 0 {
		s.WriteString("<!-- ")
		const alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"
		for i := range pad {
			if i%76 == 75 {
				s.WriteByte('\n')
				continue
			}
			s.WriteByte(alpha[g.rng.IntN(len(alpha))])
		}
		s.WriteString(" -->\n")
	}
	s.WriteString("</body></html>\n")
	return []byte(s.String())
}
