package audit

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// FuzzParseCheckpoint: ParseCheckpoint never panics, and accepts only a
// note whose text carries this key's own signature (ed25519 signatures are
// deterministic, so re-signing the accepted text must give a signature
// line present in the input) with a body that says what was parsed.
func FuzzParseCheckpoint(f *testing.F) {
	// A fixed key, so that corpus entries stay meaningful across runs.
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), testOrigin)
	if err != nil {
		f.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		f.Fatal(err)
	}
	otherKey, _, _ := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{8}, 64)), testOrigin)
	other, _ := note.NewSigner(otherKey)
	root := bytes.Repeat([]byte{0xab}, 32)
	for _, text := range []string{
		checkpointText(testOrigin, 0, root),
		checkpointText(testOrigin, 42, root),
		checkpointText(testOrigin, 1<<63, root) + "ext\n",
		checkpointText("faro/other", 42, root),
		testOrigin + "\nx\ny\n",
	} {
		msg, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(msg)
		f.Add([]byte(text))
		both, _ := note.Sign(&note.Note{Text: text}, signer, other)
		f.Add(both)
		wrong, _ := note.Sign(&note.Note{Text: text}, other)
		f.Add(wrong)
	}
	f.Add([]byte(""))
	f.Add([]byte("\n\n"))
	f.Add([]byte("a\n\n— a b\n"))

	f.Fuzz(func(t *testing.T, msg []byte) {
		c, err := ParseCheckpoint(msg, vkey)
		if err != nil {
			if c != nil {
				t.Fatal("checkpoint returned with an error")
			}
			if !errors.Is(err, ErrCheckpoint) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		n, err := note.Open(msg, note.VerifierList(mustVerifier(t, vkey)))
		if err != nil {
			t.Fatal("accepted a note that does not verify")
		}
		own, err := note.Sign(&note.Note{Text: n.Text}, signer)
		if err != nil {
			t.Fatal(err)
		}
		sig := own[len(n.Text)+1:]
		if !bytes.Contains(msg, sig) {
			t.Fatal("accepted a note without this key's signature of its text")
		}
		if c.Origin != testOrigin || len(c.Root) != 32 {
			t.Fatalf("accepted checkpoint %+v", c)
		}
		if !bytes.HasPrefix([]byte(n.Text), []byte(testOrigin+"\n")) {
			t.Fatal("accepted a checkpoint of another origin")
		}
	})
}

func mustVerifier(t *testing.T, vkey string) note.Verifier {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
