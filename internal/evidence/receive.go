package evidence

import (
	"errors"
	"io"
	"net/http"
)

// Refusal says why an upload was not stored, as a catalogue key and the
// status to answer with.
type Refusal struct {
	Key    string
	Status int
}

// Receive streams the first "file" part of a multipart upload into the
// store. The body is never parsed into memory or Go's temporary files
// (which would leave plaintext on disk). It returns the stored file, or
// the refusal to show the user, or an error for a server fault.
func (s *Store) Receive(w http.ResponseWriter, r *http.Request) (*File, *Refusal, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxSize+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &Refusal{"evidence.error.nofile", http.StatusBadRequest}, nil
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, &Refusal{"evidence.error.nofile", http.StatusUnprocessableEntity}, nil
		}
		if err != nil {
			return nil, &Refusal{"evidence.error.broken", http.StatusBadRequest}, nil
		}
		if part.FormName() != "file" || part.FileName() == "" {
			part.Close()
			continue
		}
		f, err := s.Put(r.Context(), part, part.FileName())
		part.Close()
		var tooBig *http.MaxBytesError
		switch {
		case errors.Is(err, ErrTooLarge), errors.As(err, &tooBig):
			return nil, &Refusal{"evidence.error.too_large", http.StatusRequestEntityTooLarge}, nil
		case errors.Is(err, ErrEmpty):
			return nil, &Refusal{"evidence.error.empty", http.StatusUnprocessableEntity}, nil
		case err != nil:
			return nil, nil, err
		}
		return f, nil, nil
	}
}
