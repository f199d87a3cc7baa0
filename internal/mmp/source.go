package mmp

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

var (
	errLimit     = errors.New("input beyond the size limit")
	errRowLimit  = errors.New("row beyond the size limit")
	errCSVSyntax = errors.New("CSV syntax error")
)

// counter passes reads through, failing once the input goes beyond the size
// limit or the row being read grows beyond the row limit. mark, the offset
// where the current row starts, is set by source.next.
type counter struct {
	r      io.Reader
	n      int64
	max    int64 // negative: no limit
	mark   int64
	maxRow int64
}

func (c *counter) Read(p []byte) (int, error) {
	if c.max >= 0 && c.n > c.max {
		return 0, errLimit
	}
	if c.n-c.mark > c.maxRow+readBufferSize {
		return 0, errRowLimit
	}
	if c.max >= 0 && int64(len(p)) > c.max-c.n+1 {
		p = p[:c.max-c.n+1]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.max >= 0 && c.n > c.max {
		return 0, errLimit
	}
	return n, err
}

// source reads CSV records with line numbers, checking the encoding and the
// size limits.
type source struct {
	o        Options
	c        *counter
	cr       *csv.Reader
	bom      int64
	nextLine int      // line where the next row starts, or a line before it
	names    []string // column names, once the header is read
	header   []string // the header's cells as written, for Record.Columns
}

func openSource(r io.Reader, o Options) (*source, error) {
	s := &source{o: o, c: &counter{r: r, max: o.MaxBytes, maxRow: int64(o.MaxRowBytes)}, nextLine: 1}
	br := bufio.NewReaderSize(s.c, readBufferSize)
	head, err := br.Peek(maxHeaderSniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, s.readErr(err)
	}
	full := len(head) == maxHeaderSniffBytes
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		head = head[3:]
		s.bom = 3
		if _, err := br.Discard(3); err != nil {
			return nil, s.readErr(err)
		}
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, &Error{Line: 1, Kind: ErrNotUTF8, Detail: "it is UTF-16 (as Excel's \"Unicode text\" saves it): save it as CSV UTF-8 and import it again"}
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return nil, &Error{Line: 1, Kind: ErrNotUTF8, Detail: "it is a zip file, perhaps an Excel workbook (.xlsx): save it as CSV UTF-8 and import it again"}
	}
	if err := checkText(head, full); err != nil {
		return nil, err
	}
	s.cr = csv.NewReader(br)
	s.cr.Comma = sniffComma(head)
	s.cr.FieldsPerRecord = -1
	s.cr.ReuseRecord = true
	return s, nil
}

// checkText looks at the start of the file for bytes that are not UTF-8 or
// are NUL, to say so before anything else goes wrong. truncated says head
// may end in the middle of a character.
func checkText(head []byte, truncated bool) error {
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return &Error{Line: 1 + bytes.Count(head[:i], []byte("\n")), Kind: ErrNotUTF8,
			Detail: "it has NUL bytes: it is UTF-16 without a byte-order mark, or not a text file"}
	}
	if truncated {
		for i := len(head) - 1; i >= 0 && i >= len(head)-utf8.UTFMax; i-- {
			if utf8.RuneStart(head[i]) {
				if !utf8.FullRune(head[i:]) {
					head = head[:i]
				}
				break
			}
		}
	}
	if utf8.Valid(head) {
		return nil
	}
	bad := 0
	for bad < len(head) {
		r, n := utf8.DecodeRune(head[bad:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		bad += n
	}
	return notUTF8(1+bytes.Count(head[:bad], []byte("\n")), "", string(head))
}

// notUTF8 explains text that is not UTF-8, naming the encoding it most
// likely is rather than guessing and importing mangled names.
func notUTF8(line int, column, text string) *Error {
	where := "it has bytes that are not UTF-8"
	if column != "" {
		where = fmt.Sprintf("column %q has bytes that are not UTF-8", column)
	}
	guess := "its encoding is unknown"
	cp1252 := true
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && n == 1 {
			switch text[i] {
			case 0x81, 0x8D, 0x8F, 0x90, 0x9D: // undefined in Windows-1252
				cp1252 = false
			}
		}
		i += n
	}
	if cp1252 {
		guess = "it looks like Windows-1252 or Latin-1 (ISO 8859-1), as older Excel and many Windows programs save CSV"
	}
	return &Error{Line: line, Kind: ErrNotUTF8, Detail: where + "; " + guess + ": save it as CSV UTF-8 and import it again"}
}

// sniffComma picks the separator the first line uses most, outside quotes:
// comma unless semicolons (Excel in many European locales) or tabs win.
func sniffComma(head []byte) rune {
	var commas, semis, tabs int
	quoted := false
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			goto done
		case c == ',':
			commas++
		case c == ';':
			semis++
		case c == '\t':
			tabs++
		}
	}
done:
	switch {
	case semis > commas && semis >= tabs:
		return ';'
	case tabs > commas && tabs > semis:
		return '\t'
	}
	return ','
}

func (s *source) readErr(err error) error {
	switch {
	case errors.Is(err, errLimit):
		return &Error{Kind: ErrTooLarge, Detail: fmt.Sprintf("it is larger than %s, the limit; nothing beyond it was read", byteSize(s.o.MaxBytes))}
	case errors.Is(err, errRowLimit):
		return &Error{Line: s.nextLine, Kind: ErrRowTooLong,
			Detail: fmt.Sprintf("more than %s without the end of a row, from here or just below: usually a quote that is never closed, or not a CSV file", byteSize(int64(s.o.MaxRowBytes)))}
	}
	return &Error{Kind: ErrRead, Err: err}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// syntaxError is a row that is not valid CSV.
type syntaxError struct {
	line int
	err  error
}

func (e *syntaxError) Error() string { return "CSV syntax error" }
func (e *syntaxError) Unwrap() error { return errCSVSyntax }

func (e *syntaxError) reason() string {
	if errors.Is(e.err, csv.ErrBareQuote) {
		return "broken quotes: a quote inside a cell that does not start with one"
	}
	return "broken quotes: a quote is not closed, or is followed by other text before the separator"
}

// next returns the next row's cells (nil at the end) and the line it starts
// on. A row that is not valid CSV gives a *syntaxError, after which reading
// can go on; any other error ends the file.
func (s *source) next() ([]string, int, error) {
	rec, err := s.cr.Read()
	s.c.mark = s.bom + s.cr.InputOffset()
	if err == io.EOF {
		return nil, 0, nil
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			s.nextLine = pe.Line + 1
			return nil, pe.StartLine, &syntaxError{line: pe.StartLine, err: pe.Err}
		}
		return nil, s.nextLine, s.readErr(err)
	}
	line, _ := s.cr.FieldPos(0)
	last, _ := s.cr.FieldPos(len(rec) - 1)
	s.nextLine = last + strings.Count(rec[len(rec)-1], "\n") + 1
	for i, cell := range rec {
		if !utf8.ValidString(cell) {
			return nil, line, notUTF8(line, s.columnName(i), cell)
		}
		if strings.IndexByte(cell, 0) >= 0 {
			return nil, line, &Error{Line: line, Kind: ErrNotUTF8, Detail: "it has NUL bytes: it is UTF-16 without a byte-order mark, or not a text file"}
		}
	}
	return rec, line, nil
}

// columnName names column i for messages; set once the header is read.
func (s *source) columnName(i int) string {
	if s.names != nil && i < len(s.names) {
		return s.names[i]
	}
	return fmt.Sprintf("column %d", i+1)
}

// rows reads the rows after the header, parses them with p and passes the
// good ones to emit. With skipHashtagRow, a first row of hashtags is
// skipped.
func (s *source) rows(rep *Report, p *rowParser, skipHashtagRow bool, emit func(*HXLRow) error) error {
	s.names = make([]string, len(p.cols))
	for i, c := range p.cols {
		s.names[i] = c.name
	}
	first := true
	for {
		rec, line, err := s.next()
		if se := (*syntaxError)(nil); errors.As(err, &se) {
			rep.RejectedRows++
			if err := s.reject(rep, Rejection{Line: se.line, Code: CodeCSV, Reason: se.reason()}); err != nil {
				return err
			}
			first = false
			continue
		}
		if err != nil {
			return err
		}
		if rec == nil {
			return nil
		}
		if first && skipHashtagRow && isHXLRow(rec) {
			rep.HXL = true
			first = false
			continue
		}
		first = false
		if allEmpty(rec) {
			rep.Blank++
			continue
		}
		row, problems := p.parse(rec, line)
		if len(problems) > 0 {
			rep.RejectedRows++
			for _, r := range problems {
				if err := s.reject(rep, r); err != nil {
					return err
				}
			}
			continue
		}
		rep.Accepted++
		row.Columns = s.header
		row.Cells = slices.Clone(rec[:len(p.cols)])
		if err := emit(row); err != nil {
			return err
		}
	}
}

func (s *source) reject(rep *Report, r Rejection) error {
	if len(rep.Rejected) >= s.o.MaxRejected {
		return &Error{Line: r.Line, Kind: ErrTooManyRejections,
			Detail: fmt.Sprintf("more than %d problems; this is not the file it seems to be, or needs fixing before it is imported", s.o.MaxRejected)}
	}
	rep.Rejected = append(rep.Rejected, r)
	return nil
}

// isHashtagRow reports whether every non-empty cell starts with "#", and
// at least one does.
func isHashtagRow(rec []string) bool {
	n := 0
	for _, c := range rec {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if c[0] != '#' {
			return false
		}
		n++
	}
	return n > 0
}

// isHXLRow is isHashtagRow with every hashtag well formed, so that a data
// row such as "#52673,..." is not mistaken for one and skipped.
func isHXLRow(rec []string) bool {
	if !isHashtagRow(rec) {
		return false
	}
	for _, c := range rec {
		if c = strings.TrimSpace(c); c != "" {
			if _, ok := normaliseHashtag(c); !ok {
				return false
			}
		}
	}
	return true
}

func allEmpty(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
