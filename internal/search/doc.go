// Package search is Faro's free-text search over testimonies.
//
// Testimonies are encrypted at rest, so the database cannot search them.
// Instead Faro keeps an in-memory inverted index: built with
// [Index.BulkLoad] when Faro is unsealed, kept current with [Index.Put] and
// [Index.Delete] on every write, and emptied with [Index.Reset] when Faro is
// sealed. The index is never written to disk and has no serialisation.
//
// Matching is word-prefix based: a query is split into terms exactly like
// documents (see [Normalize] and [Tokenize]), every query term must match
// the beginning of some word of the document ("viol" finds "violence"), and
// the results are document IDs, highest first. Matching ignores case,
// accents and the usual Arabic/Persian spelling variants (hamza forms, alef
// maksura, taa marbuta, Persian yeh/kaf, harakat, tatweel, Eastern digits).
// Arabic words are also indexed without their definite article (الكتاب is
// found by كتاب), and Persian words written with a zero-width non-joiner
// under both the joined form and the parts.
//
// Memory hygiene: the index copies every term into byte chunks it owns and
// overwrites them with zeros when a term disappears (its last document is
// deleted or updated) and on Reset. Go strings cannot be zeroed, so the
// transient strings used while indexing and searching (and the caller's own
// plaintext) stay in freed memory until the garbage collector reuses it;
// see [Index.Reset]. "Never written to disk" also depends on the process:
// swap and core dumps must be disabled (or encrypted) where Faro runs; this
// package does not mlock.
package search
